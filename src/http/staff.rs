//! Staff authentication: `Authorization: Bearer <token>`, checked against the
//! stored hashes. [`Csm`] and [`Admin`] extract the caller or refuse with 401
//! (no or bad token) or 403 (a valid token of the other role). Widget keys are
//! never accepted here.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::auth::{Role, Staff};

/// The bearer token of a request, if it has one.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::MissingToken)?
        .to_str()
        .map_err(|_| ApiError::InvalidToken)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::MissingToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::MissingToken);
    }
    Ok(token.trim())
}

/// The staff member holding `token`, who must have `role`.
pub async fn staff_with_role(state: &AppState, token: &str, role: Role) -> Result<Staff, ApiError> {
    let staff = state
        .engine
        .store
        .staff(token)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    if staff.role != role {
        return Err(ApiError::WrongRole {
            needed: role,
            had: staff.role,
        });
    }
    Ok(staff)
}

/// A request made with a CSM token.
pub struct Csm(pub Staff);

/// A request made with an admin token.
pub struct Admin(pub Staff);

impl FromRequestParts<AppState> for Csm {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        staff_with_role(state, token, Role::Csm).await.map(Csm)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        staff_with_role(state, token, Role::Admin).await.map(Admin)
    }
}
