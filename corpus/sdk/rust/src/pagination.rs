//! Cursor pagination: pages of a list endpoint, and a stream over all of them.

use futures::stream::{self, Stream};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::Error;

/// Largest page size the API accepts.
pub const MAX_PAGE_SIZE: u32 = 100;

/// One page of a list endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Whether more objects follow this page.
    pub has_more: bool,
    /// The cursor for the next page: pass it as `starting_after`. Added in 2.1.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// Something with an ID, usable as a cursor when the API sent no `next_cursor`.
pub trait HasId {
    fn id(&self) -> &str;
}

impl<T: HasId> Page<T> {
    /// The cursor to fetch the page after this one, if there is one.
    pub fn cursor(&self) -> Option<String> {
        if !self.has_more {
            return None;
        }
        self.next_cursor
            .clone()
            .or_else(|| self.data.last().map(|item| item.id().to_string()))
    }
}

/// Turns a page-fetching function into a stream of every object, following cursors.
///
/// `fetch(cursor)` gets the page after `cursor` (`None`: the first page).
pub fn paginate<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    T: DeserializeOwned + HasId,
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, Error>>,
{
    struct State<T, F> {
        fetch: F,
        buffer: std::vec::IntoIter<T>,
        cursor: Option<String>,
        done: bool,
    }
    let state = State {
        fetch,
        buffer: Vec::new().into_iter(),
        cursor: None,
        done: false,
    };
    stream::try_unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.next() {
                return Ok(Some((item, state)));
            }
            if state.done {
                return Ok(None);
            }
            let page = (state.fetch)(state.cursor.take()).await?;
            state.cursor = page.cursor();
            state.done = state.cursor.is_none();
            state.buffer = page.data.into_iter();
        }
    })
}
