//! The seeded people and date, embedded so the devserver needs no database.

use serde::Serialize;

pub const PASSWORD: &str = "password";

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: &'static str,
    pub email: &'static str,
    pub name: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VideoDate {
    pub id: String,
    pub room_name: String,
    pub user_a: String,
    pub user_b: String,
    pub status: String,
    pub started_at: Option<String>,
    pub ends_at: Option<String>,
    pub extended_count: u32,
    pub ended_by: Option<String>,
    pub updated_at: String,
}

pub const ALICE: User = User { id: "a11ce000-0000-4000-8000-000000000001", email: "alice@example.com", name: "Alice" };
pub const BOB: User = User { id: "b0b00000-0000-4000-8000-000000000002", email: "bob@example.com", name: "Bob" };
pub const CAROL: User = User { id: "ca201000-0000-4000-8000-000000000003", email: "carol@example.com", name: "Carol" };
pub const USERS: [User; 3] = [ALICE, BOB, CAROL];

pub const DATE_ID: &str = "d47e0000-0000-4000-8000-000000000001";

pub fn dates() -> Vec<VideoDate> {
    vec![VideoDate {
        id: DATE_ID.to_owned(),
        room_name: format!("video-date-{DATE_ID}"),
        user_a: ALICE.id.to_owned(),
        user_b: BOB.id.to_owned(),
        status: "scheduled".to_owned(),
        started_at: None,
        ends_at: None,
        extended_count: 0,
        ended_by: None,
        updated_at: "2026-01-01T00:00:00Z".to_owned(),
    }]
}

pub fn user_by_email(email: &str) -> Option<&'static User> {
    USERS.iter().find(|user| user.email.eq_ignore_ascii_case(email))
}

pub fn user_by_id(id: &str) -> Option<&'static User> {
    USERS.iter().find(|user| user.id == id)
}
