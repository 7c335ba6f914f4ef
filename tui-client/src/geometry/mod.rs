//! Screen geometry, below both `app` and `ui` so they agree without
//! importing each other: where each area goes, how many rows a line takes,
//! how far a scroll moves, which tab or member is at a cell.

pub mod areas;
pub mod lines;
pub mod networks;
pub mod scroll;
pub mod sidebar;
pub mod tabs;

pub use areas::Areas;
