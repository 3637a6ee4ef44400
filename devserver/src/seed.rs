//! The seeded people and date, inserted into the database at start-up when missing (so a restart keeps what
//! happened to the date). Passwords are stored as GoTrue stores them: bcrypt in `auth.users.encrypted_password`.

pub const PASSWORD: &str = "password";

#[derive(Debug, Clone, Copy)]
pub struct User {
    pub id: &'static str,
    pub email: &'static str,
    pub name: &'static str,
}

pub const ALICE: User = User { id: "a11ce000-0000-4000-8000-000000000001", email: "alice@example.com", name: "Alice" };
pub const BOB: User = User { id: "b0b00000-0000-4000-8000-000000000002", email: "bob@example.com", name: "Bob" };
pub const CAROL: User = User { id: "ca201000-0000-4000-8000-000000000003", email: "carol@example.com", name: "Carol" };
pub const USERS: [User; 3] = [ALICE, BOB, CAROL];

pub const DATE_ID: &str = "d47e0000-0000-4000-8000-000000000001";

pub fn room_name(date_id: &str) -> String {
    format!("video-date-{date_id}")
}

pub(crate) async fn insert(admin: &tokio_postgres::Client) -> Result<(), tokio_postgres::Error> {
    for user in USERS {
        admin
            .execute(
                // bcrypt's lowest cost: these are dev passwords, and sign-ins in tests should be quick.
                "insert into auth.users (id, email, encrypted_password, raw_user_meta_data) \
                 values ($1::text::uuid, $2, extensions.crypt($3, extensions.gen_salt('bf', 4)), \
                 jsonb_build_object('name', $4::text)) on conflict do nothing",
                &[&user.id, &user.email, &PASSWORD, &user.name],
            )
            .await?;
    }
    admin
        .execute(
            "insert into public.video_dates (id, room_name, user_a, user_b) \
             values ($1::text::uuid, $2, $3::text::uuid, $4::text::uuid) on conflict do nothing",
            &[&DATE_ID, &room_name(DATE_ID), &ALICE.id, &BOB.id],
        )
        .await?;
    Ok(())
}
