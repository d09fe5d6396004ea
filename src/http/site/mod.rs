//! What `docent serve` serves to browsers besides the APIs: the embeddable
//! chat widget (`/widget.js`, one self-contained script) and a demo page at
//! `/` that embeds it against the served corpus. Both are compiled into the
//! binary.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::AppState;

/// The widget: plain JavaScript with its CSS inside, no dependencies.
pub const WIDGET_JS: &str = include_str!("widget.js");
const DEMO_HTML: &str = include_str!("demo.html");

/// The widget's size limit, uncompressed.
pub const WIDGET_BUDGET_BYTES: usize = 30 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(demo))
        .route("/widget.js", get(widget))
}

async fn widget() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        WIDGET_JS,
    )
        .into_response()
}

async fn demo() -> Html<&'static str> {
    Html(DEMO_HTML)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widget_stays_under_its_size_budget() {
        assert!(
            WIDGET_JS.len() < WIDGET_BUDGET_BYTES,
            "widget.js is {} bytes; the budget is {WIDGET_BUDGET_BYTES}",
            WIDGET_JS.len()
        );
    }

    #[test]
    fn the_widget_never_parses_text_as_html() {
        assert!(!WIDGET_JS.contains("innerHTML"));
        assert!(!WIDGET_JS.contains("outerHTML"));
        assert!(!WIDGET_JS.contains("insertAdjacentHTML"));
        assert!(!WIDGET_JS.contains("document.write"));
        assert!(!WIDGET_JS.contains("eval("));
    }
}
