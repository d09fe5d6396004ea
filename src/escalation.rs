//! The escalation workflow: statuses, resolutions, and which CSM action is
//! legal in which state. Pure: the store applies a [`Change`] in the same
//! transaction that read the state it was computed from.
//!
//! ```text
//!            claim (409 when someone else holds it, unless forced)
//!   open ────────────────► claimed ──┐ release
//!    ▲  ▲◄───────────────────────────┘
//!    │  │ reply on an open escalation claims it for the replier
//!    │  └──── reopen ◄──── resolved ◄──── resolve (open or claimed)
//!    └── a customer message on a resolved escalation reopens it
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an escalation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Claimed,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Claimed => "claimed",
            Status::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "open" => Some(Status::Open),
            "claimed" => Some(Status::Claimed),
            "resolved" => Some(Status::Resolved),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an escalation was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// A person answered the question.
    Answered,
    /// The docs lack the answer: a task for the docs.
    DocsGap,
    Bug,
    FeatureRequest,
    Duplicate,
}

impl Resolution {
    pub const ALL: [Resolution; 5] = [
        Resolution::Answered,
        Resolution::DocsGap,
        Resolution::Bug,
        Resolution::FeatureRequest,
        Resolution::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Answered => "answered",
            Resolution::DocsGap => "docs_gap",
            Resolution::Bug => "bug",
            Resolution::FeatureRequest => "feature_request",
            Resolution::Duplicate => "duplicate",
        }
    }

    pub fn parse(text: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// What a person does to an escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Take it; `force` takes it from another CSM.
    Claim {
        force: bool,
    },
    /// Give it back to the queue.
    Release,
    /// Answer the customer (the text becomes a message in the conversation).
    Reply {
        text: String,
        force: bool,
    },
    Resolve {
        resolution: Resolution,
        note: Option<String>,
    },
    Reopen {
        note: Option<String>,
    },
    /// The customer wrote again.
    CustomerMessage,
}

impl Action {
    /// The name recorded in the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Claim { force: false } => "claim",
            Action::Claim { force: true } => "claim_forced",
            Action::Release => "release",
            Action::Reply { .. } => "reply",
            Action::Resolve { .. } => "resolve",
            Action::Reopen { .. } => "reopen",
            Action::CustomerMessage => "customer_message",
        }
    }
}

/// The state an action is judged against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub status: Status,
    pub assignee: Option<String>,
    /// A person has responded since the customer last wrote.
    pub responded: bool,
}

/// What an action does: the new status and assignee, the resolution to set
/// (or clear), and whether it counts as the first response to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub status: Status,
    pub assignee: Option<String>,
    /// `Some(None)` clears the resolution (a reopen).
    pub resolution: Option<Option<Resolution>>,
    /// A person responded to the customer (a reply or a resolution).
    pub responded: bool,
    /// The customer is waiting again: a new SLA clock starts now.
    pub new_cycle: bool,
}

/// Why an action is not allowed now (HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("the escalation is claimed by {0}; claim it with force to take it over")]
    ClaimedByOther(String),
    #[error("the escalation is already claimed by you")]
    AlreadyYours,
    #[error("the escalation is resolved; reopen it first")]
    Resolved,
    #[error("the escalation is not resolved")]
    NotResolved,
    #[error("the escalation is not claimed")]
    NotClaimed,
}

/// The change `action` by `actor` makes to an escalation in state `current`.
pub fn transition(current: &Current, actor: &str, action: &Action) -> Result<Change, Conflict> {
    let held_by_other = |force: bool| match (&current.assignee, current.status) {
        (Some(a), Status::Claimed) if a != actor && !force => {
            Err(Conflict::ClaimedByOther(a.clone()))
        }
        _ => Ok(()),
    };
    let change = |status, assignee: Option<String>| Change {
        status,
        assignee,
        resolution: None,
        responded: false,
        new_cycle: false,
    };
    match action {
        Action::Claim { force } => match current.status {
            Status::Resolved => Err(Conflict::Resolved),
            Status::Claimed if current.assignee.as_deref() == Some(actor) => {
                Err(Conflict::AlreadyYours)
            }
            _ => {
                held_by_other(*force)?;
                Ok(change(Status::Claimed, Some(actor.to_string())))
            }
        },
        Action::Release => match current.status {
            Status::Claimed => {
                held_by_other(false)?;
                Ok(change(Status::Open, None))
            }
            Status::Open => Err(Conflict::NotClaimed),
            Status::Resolved => Err(Conflict::Resolved),
        },
        Action::Reply { force, .. } => {
            if current.status == Status::Resolved {
                return Err(Conflict::Resolved);
            }
            held_by_other(*force)?;
            Ok(Change {
                responded: true,
                ..change(Status::Claimed, Some(actor.to_string()))
            })
        }
        Action::Resolve { resolution, .. } => {
            if current.status == Status::Resolved {
                return Err(Conflict::Resolved);
            }
            held_by_other(false)?;
            Ok(Change {
                resolution: Some(Some(*resolution)),
                responded: true,
                ..change(Status::Resolved, Some(actor.to_string()))
            })
        }
        Action::Reopen { .. } => {
            if current.status != Status::Resolved {
                return Err(Conflict::NotResolved);
            }
            Ok(Change {
                resolution: Some(None),
                new_cycle: true,
                ..change(Status::Open, None)
            })
        }
        Action::CustomerMessage => Ok(match current.status {
            // A resolved question the customer comes back to is open again,
            // with the CSM who resolved it still named.
            Status::Resolved => Change {
                resolution: Some(None),
                new_cycle: true,
                ..change(Status::Open, current.assignee.clone())
            },
            // Answered, and the customer wrote back: a response is owed again.
            status => Change {
                new_cycle: current.responded,
                ..change(status, current.assignee.clone())
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: Status, assignee: Option<&str>) -> Current {
        Current {
            status,
            assignee: assignee.map(str::to_string),
            responded: status == Status::Resolved,
        }
    }

    #[test]
    fn claiming() {
        let open = at(Status::Open, None);
        let c = transition(&open, "ann", &Action::Claim { force: false }).unwrap();
        assert_eq!(
            (c.status, c.assignee.as_deref()),
            (Status::Claimed, Some("ann"))
        );
        let anns = at(Status::Claimed, Some("ann"));
        assert_eq!(
            transition(&anns, "bob", &Action::Claim { force: false }),
            Err(Conflict::ClaimedByOther("ann".to_string()))
        );
        let c = transition(&anns, "bob", &Action::Claim { force: true }).unwrap();
        assert_eq!(c.assignee.as_deref(), Some("bob"));
        assert_eq!(
            transition(&anns, "ann", &Action::Claim { force: false }),
            Err(Conflict::AlreadyYours)
        );
        let done = at(Status::Resolved, Some("ann"));
        assert_eq!(
            transition(&done, "bob", &Action::Claim { force: true }),
            Err(Conflict::Resolved)
        );
    }

    #[test]
    fn replying_and_resolving() {
        let reply = |force| Action::Reply {
            text: "x".to_string(),
            force,
        };
        let open = at(Status::Open, None);
        let c = transition(&open, "ann", &reply(false)).unwrap();
        assert!(c.responded && c.status == Status::Claimed);
        let anns = at(Status::Claimed, Some("ann"));
        assert!(transition(&anns, "bob", &reply(false)).is_err());
        assert!(transition(&anns, "bob", &reply(true)).is_ok());
        let resolve = Action::Resolve {
            resolution: Resolution::DocsGap,
            note: None,
        };
        assert!(transition(&anns, "bob", &resolve).is_err());
        let c = transition(&anns, "ann", &resolve).unwrap();
        assert_eq!(c.status, Status::Resolved);
        assert_eq!(c.resolution, Some(Some(Resolution::DocsGap)));
        let c = transition(&open, "ann", &resolve).unwrap();
        assert_eq!(c.assignee.as_deref(), Some("ann"));
        let done = at(Status::Resolved, Some("ann"));
        assert_eq!(
            transition(&done, "ann", &reply(true)),
            Err(Conflict::Resolved)
        );
        assert_eq!(transition(&done, "ann", &resolve), Err(Conflict::Resolved));
    }

    #[test]
    fn reopening_and_customer_messages() {
        let done = at(Status::Resolved, Some("ann"));
        let c = transition(&done, "bob", &Action::Reopen { note: None }).unwrap();
        assert_eq!(
            (c.status, c.assignee, c.resolution),
            (Status::Open, None, Some(None))
        );
        assert!(c.new_cycle);
        assert_eq!(
            transition(
                &at(Status::Open, None),
                "bob",
                &Action::Reopen { note: None }
            ),
            Err(Conflict::NotResolved)
        );
        let c = transition(&done, "customer", &Action::CustomerMessage).unwrap();
        assert_eq!(c.status, Status::Open);
        assert_eq!(c.assignee.as_deref(), Some("ann"));
        let anns = at(Status::Claimed, Some("ann"));
        let c = transition(&anns, "customer", &Action::CustomerMessage).unwrap();
        assert_eq!(
            (c.status, c.resolution, c.new_cycle),
            (Status::Claimed, None, false)
        );
        let answered = Current {
            responded: true,
            ..anns.clone()
        };
        let c = transition(&answered, "customer", &Action::CustomerMessage).unwrap();
        assert!(c.new_cycle, "the customer wrote back after a reply");
        assert_eq!(
            transition(&at(Status::Open, None), "ann", &Action::Release),
            Err(Conflict::NotClaimed)
        );
        assert!(transition(&anns, "bob", &Action::Release).is_err());
        assert_eq!(
            transition(&anns, "ann", &Action::Release).unwrap().status,
            Status::Open
        );
    }
}
