//! Which vendor engines a call uses, and with whose keys.
//!
//! Server-wide choices come from the environment ([`EngineSettings::from_env`]): the LLM vendor
//! and model, vendor base URLs (proxies, regional endpoints, a local Ollama/vLLM/llama.cpp for
//! the OpenAI-compatible API), and fallback keys. Per call, [`resolve`] builds the
//! [`Providers`](callbridge_agent::Providers) for an organization: a key the organization
//! stored (`PUT /api/v1/provider-keys/{provider}`) wins over the server's key for that vendor.
//! The embedded offline engines are a later issue; until then a stage with no key is an error
//! that names the missing setting.

mod resolve;
mod settings;

pub use resolve::resolve;
pub use settings::EngineSettings;
