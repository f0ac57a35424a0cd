//! Review state: lore threads fetched (`fetch`) into a git-backed store
//! (`store`), senders' roles from MAINTAINERS (`maintainers`), verdicts by
//! rules (`rules`), the state derived (`derive`) into typed facts
//! (`state`) and printed (`render`); `ops` is what the commands call.

pub mod applied;
pub mod derive;
pub mod fetch;
pub mod maintainers;
pub mod ops;
pub mod render;
pub mod rules;
pub mod state;
pub mod store;
pub mod upstream;

pub use derive::{derive, patch_id};
pub use render::render;
pub use rules::Rules;
pub use state::*;
