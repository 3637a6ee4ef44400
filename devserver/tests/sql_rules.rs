//! The date's rules in SQL (`supabase/migrations/`), on a real Postgres: each test applies `supabase/shim.sql` and
//! the migrations to a new, empty database as the superuser, as the README tells a team to, then acts as alice,
//! bob, carol or `anon` the way PostgREST does (`set local role`, `request.jwt.claims`) and walks the rules:
//! every allowed and refused transition, time-up, `ended` being final, private meet-again answers, row-level
//! security and grants. The devserver is not involved.

mod common;

use devserver::seed::{ALICE, BOB, CAROL};
use serde_json::Value;
use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

const DATE: &str = "d47e0000-0000-4000-8000-00000000000a";
const FUNCTIONS: [&str; 6] = [
    "date_page_context(uuid)",
    "join_date(uuid)",
    "request_extension(uuid)",
    "answer_extension(uuid, boolean)",
    "end_date(uuid)",
    "answer_meet_again(uuid, boolean)",
];

/// Who runs a statement: PostgREST's role and the `sub` of the JWT, if any.
#[derive(Clone, Copy)]
struct Who {
    role: &'static str,
    sub: Option<&'static str>,
}

const AS_ALICE: Who = Who { role: "authenticated", sub: Some(ALICE.id) };
const AS_BOB: Who = Who { role: "authenticated", sub: Some(BOB.id) };
const AS_CAROL: Who = Who { role: "authenticated", sub: Some(CAROL.id) };
const AS_ANON: Who = Who { role: "anon", sub: None };

struct Db {
    client: Client,
}

impl Db {
    /// A new empty database with the shim, every migration, the three people and one scheduled date alice–bob.
    async fn fresh() -> Db {
        let database = common::create_database(None).await;
        let client = common::connect(&database).await;
        let supabase = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../supabase");
        let mut files: Vec<_> = std::fs::read_dir(supabase.join("migrations"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
            .collect();
        files.sort();
        for file in std::iter::once(supabase.join("shim.sql")).chain(files) {
            let sql = std::fs::read_to_string(&file).unwrap();
            client.batch_execute(&sql).await.unwrap_or_else(|err| panic!("{}: {err:?}", file.display()));
        }
        for user in [ALICE, BOB, CAROL] {
            let sql = format!(
                "insert into auth.users (id, email, raw_user_meta_data) values ('{}', '{}', '{{\"name\": \"{}\"}}')",
                user.id, user.email, user.name
            );
            client.batch_execute(&sql).await.unwrap();
        }
        let db = Db { client };
        db.admin(&format!(
            "insert into public.video_dates (id, room_name, user_a, user_b) values ('{DATE}', 'room-a', '{}', '{}')",
            ALICE.id, BOB.id
        ))
        .await;
        db
    }

    /// As the superuser (the migration's owner), bypassing every rule: set-up and moving the deadline.
    async fn admin(&self, sql: &str) {
        self.client.batch_execute(sql).await.unwrap_or_else(|err| panic!("{sql}: {err:?}"));
    }

    /// The date as the superuser sees it.
    async fn date(&self) -> Value {
        let sql = format!("select to_jsonb(d) from public.video_dates d where id = '{DATE}'");
        self.client.query_one(&sql, &[]).await.unwrap().get(0)
    }

    /// `sql` (one statement yielding one JSON value per row) in one transaction as `who`, as PostgREST runs it.
    async fn query(&mut self, who: Who, sql: &str) -> Result<Vec<Value>, tokio_postgres::Error> {
        let claims = match who.sub {
            Some(sub) => serde_json::json!({"sub": sub, "role": who.role}),
            None => serde_json::json!({"role": who.role}),
        };
        let tx = self.client.transaction().await?;
        tx.execute(
            "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
            &[&who.role, &claims.to_string()],
        )
        .await?;
        let rows = tx.query(sql, &[]).await?;
        tx.commit().await?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// One of the date's functions on the test date; `extra` is the second argument, if any.
    async fn call(&mut self, who: Who, function: &str, extra: Option<bool>) -> Result<Value, tokio_postgres::Error> {
        let extra = extra.map_or(String::new(), |value| format!(", {value}"));
        let rows = self.query(who, &format!("select to_jsonb(public.{function}('{DATE}'{extra}))")).await?;
        Ok(rows.into_iter().next().unwrap_or(Value::Null))
    }

    async fn ok(&mut self, who: Who, function: &str, extra: Option<bool>) -> Value {
        self.call(who, function, extra).await.unwrap_or_else(|err| panic!("{function}: {err:?}"))
    }

    /// Both people joined: the date is live.
    async fn live(&mut self) -> Value {
        self.ok(AS_ALICE, "join_date", None).await;
        self.ok(AS_BOB, "join_date", None).await
    }
}

/// A refused transition: SQLSTATE P0001 (PostgREST's 400) with the migration's key as the hint.
fn assert_refused(result: Result<Value, tokio_postgres::Error>, key: &str) {
    let err = result.expect_err(&format!("expected the refusal {key}"));
    let db = err.as_db_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((db.code(), db.hint()), (&SqlState::RAISE_EXCEPTION, Some(key)), "{}", db.message());
    assert!(db.message().ends_with('.'), "a sentence: {}", db.message());
}

fn assert_denied<T: std::fmt::Debug>(result: Result<T, tokio_postgres::Error>) {
    let err = result.expect_err("expected 42501");
    assert_eq!(err.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{err:?}");
}

#[tokio::test]
async fn the_migration_gives_the_table_its_defaults_checks_and_publication() {
    let mut db = Db::fresh().await;
    let date = db.date().await;
    assert_eq!(
        (date["status"].as_str(), date["duration_seconds"].as_i64(), date["extended_count"].as_i64()),
        (Some("scheduled"), Some(600), Some(0))
    );
    for column in ["a_joined_at", "started_at", "ends_at", "ended_by", "end_reason", "outcome", "extension_requested_by"]
    {
        assert_eq!(date[column], Value::Null, "{column}");
    }
    assert!(date["updated_at"].is_string());
    for bad in [
        format!("insert into public.video_dates (id, room_name, user_a, user_b) values (gen_random_uuid(), 'x', '{0}', '{0}')", ALICE.id),
        format!("update public.video_dates set status = 'paused' where id = '{DATE}'"),
        format!("update public.video_dates set extended_count = 4 where id = '{DATE}'"),
        format!("update public.video_dates set ended_by = '{}' where id = '{DATE}'", CAROL.id),
        format!("insert into public.video_dates (room_name, user_a, user_b) values ('room-a', '{}', '{}')", BOB.id, CAROL.id),
    ] {
        assert!(db.client.batch_execute(&bad).await.is_err(), "{bad}");
    }
    let checks = db
        .query(
            AS_ALICE,
            "select to_jsonb(array[
               (select relrowsecurity from pg_class where oid = 'public.video_dates'::regclass),
               exists(select 1 from pg_publication_tables where pubname = 'supabase_realtime' and tablename = 'video_dates'),
               (select bool_and(prosecdef and proconfig = array['search_path=\"\"']) from pg_proc
                  where pronamespace = 'public'::regnamespace and proname in
                  ('join_date', 'request_extension', 'answer_extension', 'end_date', 'answer_meet_again'))])",
        )
        .await
        .unwrap();
    assert_eq!(checks[0], serde_json::json!([true, true, true]), "RLS on, published, definer with empty search_path");
}

#[tokio::test]
async fn only_the_two_people_read_their_date() {
    let mut db = Db::fresh().await;
    let select = format!("select to_jsonb(d) from public.video_dates d where id = '{DATE}'");
    for who in [AS_ALICE, AS_BOB] {
        assert_eq!(db.query(who, &select).await.unwrap().len(), 1);
    }
    assert!(db.query(AS_CAROL, &select).await.unwrap().is_empty(), "carol sees nothing");
    assert!(db.query(AS_CAROL, "select to_jsonb(d) from public.video_dates d").await.unwrap().is_empty());
    assert_denied(db.query(AS_ANON, &select).await);
}

#[tokio::test]
async fn nobody_writes_the_table_or_reads_the_answers_directly() {
    let mut db = Db::fresh().await;
    db.live().await;
    db.ok(AS_ALICE, "end_date", None).await;
    for who in [AS_ALICE, AS_BOB, AS_CAROL, AS_ANON] {
        for write in [
            format!("update public.video_dates set status = 'scheduled', ended_by = null where id = '{DATE}' returning 1::text::jsonb"),
            format!("delete from public.video_dates where id = '{DATE}' returning 1::text::jsonb"),
            format!(
                "insert into public.video_dates (room_name, user_a, user_b) values ('r2', '{}', '{}') returning 1::text::jsonb",
                ALICE.id, BOB.id
            ),
            "select to_jsonb(a) from private.meet_again_answers a".to_owned(),
            format!("select to_jsonb(private.lock_date('{DATE}'))"),
        ] {
            assert_denied(db.query(who, &write).await);
        }
    }
    assert_eq!(db.date().await["status"], "ended", "the old PATCH trick cannot bring an ended date back");
}

#[tokio::test]
async fn only_authenticated_may_execute_the_functions() {
    let mut db = Db::fresh().await;
    for function in FUNCTIONS {
        for (role, allowed) in [("authenticated", true), ("anon", false), ("service_role", false), ("public", false)] {
            let sql = format!("select to_jsonb(has_function_privilege('{role}', 'public.{function}', 'execute'))");
            let rows = db.query(AS_ALICE, &sql).await.unwrap();
            assert_eq!(rows[0], Value::Bool(allowed), "{role} on {function}");
        }
    }
    assert_denied(db.call(AS_ANON, "end_date", None).await);
    assert_eq!(db.date().await["status"], "scheduled");
}

#[tokio::test]
async fn a_stranger_or_a_missing_date_gets_42501_and_changes_nothing() {
    let mut db = Db::fresh().await;
    let before = db.date().await;
    for (function, extra) in [
        ("join_date", None),
        ("request_extension", None),
        ("answer_extension", Some(true)),
        ("end_date", None),
        ("answer_meet_again", Some(true)),
        ("date_page_context", None),
    ] {
        assert_denied(db.call(AS_CAROL, function, extra).await);
    }
    let missing = "select to_jsonb(public.end_date('d47e0000-0000-4000-8000-00000000ffff'))";
    assert_denied(db.query(AS_ALICE, missing).await);
    // A signed-in role without a `sub` is nobody.
    let nobody = Who { role: "authenticated", sub: None };
    assert_denied(db.call(nobody, "join_date", None).await);
    assert_eq!(db.date().await, before);
}

#[tokio::test]
async fn joining_records_each_person_and_both_make_it_live() {
    let mut db = Db::fresh().await;
    let first = db.ok(AS_ALICE, "join_date", None).await;
    assert_eq!((first["status"].as_str(), first["b_joined_at"].as_str()), (Some("scheduled"), None));
    assert!(first["a_joined_at"].is_string());
    // Joining again (a reload) keeps the first join time.
    let again = db.ok(AS_ALICE, "join_date", None).await;
    assert_eq!(again["a_joined_at"], first["a_joined_at"]);
    let live = db.ok(AS_BOB, "join_date", None).await;
    assert_eq!(live["status"], "live");
    assert!(live["b_joined_at"].is_string() && live["started_at"].is_string());
    let sql = format!("select to_jsonb(extract(epoch from ends_at - started_at)) from public.video_dates where id = '{DATE}'");
    assert_eq!(db.query(AS_BOB, &sql).await.unwrap()[0].as_f64(), Some(600.0), "ends_at = started_at + duration");
    // Joining a live date changes nothing.
    assert_eq!(db.ok(AS_ALICE, "join_date", None).await, live);
}

#[tokio::test]
async fn the_duration_comes_from_the_row() {
    let mut db = Db::fresh().await;
    db.admin(&format!("update public.video_dates set duration_seconds = 90 where id = '{DATE}'")).await;
    let live = db.live().await;
    let sql = format!("select to_jsonb(extract(epoch from ends_at - started_at)) from public.video_dates where id = '{DATE}'");
    assert_eq!(db.query(AS_ALICE, &sql).await.unwrap()[0].as_f64(), Some(90.0), "{live}");
}

#[tokio::test]
async fn extensions_are_asked_by_one_answered_by_the_other_and_capped_at_three() {
    let mut db = Db::fresh().await;
    assert_refused(db.call(AS_ALICE, "request_extension", None).await, "date_not_live");
    assert_refused(db.call(AS_BOB, "answer_extension", Some(true)).await, "date_not_live");
    let live = db.live().await;
    assert_refused(db.call(AS_BOB, "answer_extension", Some(true)).await, "no_extension_request");

    let asked = db.ok(AS_ALICE, "request_extension", None).await;
    assert_eq!(asked["extension_requested_by"], ALICE.id);
    assert_eq!(db.ok(AS_ALICE, "request_extension", None).await, asked, "asking again changes nothing");
    assert_refused(db.call(AS_BOB, "request_extension", None).await, "extension_pending");
    assert_refused(db.call(AS_ALICE, "answer_extension", Some(true)).await, "own_extension_request");
    let null_answer = db.query(AS_BOB, &format!("select to_jsonb(public.answer_extension('{DATE}', null))")).await;
    assert_refused(null_answer.map(|rows| rows[0].clone()), "answer_required");

    let declined = db.ok(AS_BOB, "answer_extension", Some(false)).await;
    assert_eq!((declined["extended_count"].as_i64(), declined["ends_at"].clone()), (Some(0), live["ends_at"].clone()));
    assert_eq!(declined["extension_requested_by"], Value::Null, "a decline clears the request");

    let seconds = format!("select to_jsonb(extract(epoch from ends_at - started_at)) from public.video_dates where id = '{DATE}'");
    for (count, asker, answerer) in [(1, AS_BOB, AS_ALICE), (2, AS_ALICE, AS_BOB), (3, AS_BOB, AS_ALICE)] {
        db.ok(asker, "request_extension", None).await;
        let accepted = db.ok(answerer, "answer_extension", Some(true)).await;
        assert_eq!(accepted["extended_count"].as_i64(), Some(count));
        assert_eq!(accepted["extension_requested_by"], Value::Null);
        let length = db.query(AS_ALICE, &seconds).await.unwrap()[0].as_f64();
        assert_eq!(length, Some(600.0 + 300.0 * count as f64), "each accepted extension adds 300 s");
    }
    assert_refused(db.call(AS_ALICE, "request_extension", None).await, "extension_limit");
    assert_eq!(db.date().await["extended_count"], 3);
}

#[tokio::test]
async fn ending_is_idempotent_and_ended_is_final() {
    let mut db = Db::fresh().await;
    db.live().await;
    db.ok(AS_BOB, "request_extension", None).await;
    let ended = db.ok(AS_ALICE, "end_date", None).await;
    assert_eq!(
        (ended["status"].as_str(), ended["ended_by"].as_str(), ended["end_reason"].as_str()),
        (Some("ended"), Some(ALICE.id), Some("ended"))
    );
    assert_eq!(ended["extension_requested_by"], Value::Null, "the end clears a standing request");
    // Ending again, by either person, returns it as it is; joining changes nothing either.
    assert_eq!(db.ok(AS_BOB, "end_date", None).await, ended);
    assert_eq!(db.ok(AS_ALICE, "end_date", None).await, ended);
    assert_eq!(db.ok(AS_BOB, "join_date", None).await, ended);
    assert_refused(db.call(AS_BOB, "request_extension", None).await, "date_ended");
    assert_refused(db.call(AS_ALICE, "answer_extension", Some(true)).await, "date_ended");
    assert_eq!(db.date().await, ended);
}

#[tokio::test]
async fn a_scheduled_date_can_be_called_off() {
    let mut db = Db::fresh().await;
    let ended = db.ok(AS_BOB, "end_date", None).await;
    assert_eq!((ended["status"].as_str(), ended["ended_by"].as_str()), (Some("ended"), Some(BOB.id)));
    assert_eq!(db.ok(AS_ALICE, "join_date", None).await, ended, "nobody can join it afterwards");
}

#[tokio::test]
async fn at_time_up_every_function_ends_the_date_first_and_keeps_the_end() {
    for (who, function, extra) in [
        (AS_ALICE, "join_date", None),
        (AS_ALICE, "request_extension", None),
        (AS_BOB, "answer_extension", Some(true)),
        (AS_BOB, "end_date", None),
    ] {
        let mut db = Db::fresh().await;
        db.live().await;
        db.ok(AS_ALICE, "request_extension", None).await;
        // Move the deadline, not the clock.
        db.admin(&format!("update public.video_dates set ends_at = now() - interval '1 second' where id = '{DATE}'"))
            .await;
        let row = db.ok(who, function, extra).await;
        assert_eq!(
            (row["status"].as_str(), row["end_reason"].as_str(), row["ended_by"].as_str()),
            (Some("ended"), Some("time_up"), None),
            "{function}"
        );
        assert_eq!((row["extended_count"].as_i64(), row["extension_requested_by"].as_str()), (Some(0), None), "{function}");
        assert_eq!(db.date().await, row, "{function}: the end was committed, not rolled back");
    }
}

#[tokio::test]
async fn meet_again_answers_stay_private_until_both_answered() {
    let mut db = Db::fresh().await;
    assert_refused(db.call(AS_ALICE, "answer_meet_again", Some(true)).await, "date_not_ended");
    db.live().await;
    assert_refused(db.call(AS_ALICE, "answer_meet_again", Some(true)).await, "date_not_ended");
    db.ok(AS_BOB, "end_date", None).await;
    let null_answer = db.query(AS_ALICE, &format!("select to_jsonb(public.answer_meet_again('{DATE}', null))")).await;
    assert_refused(null_answer.map(|rows| rows[0].clone()), "answer_required");

    assert_eq!(db.ok(AS_ALICE, "answer_meet_again", Some(true)).await, "waiting");
    assert_refused(db.call(AS_ALICE, "answer_meet_again", Some(false)).await, "already_answered");
    // Bob cannot learn alice's answer: not from the row, not from the answers table.
    let outcome = format!("select coalesce(to_jsonb(outcome), 'null') from public.video_dates where id = '{DATE}'");
    assert_eq!(db.query(AS_BOB, &outcome).await.unwrap(), vec![Value::Null]);
    assert_denied(db.query(AS_BOB, "select to_jsonb(a) from private.meet_again_answers a").await);

    assert_eq!(db.ok(AS_BOB, "answer_meet_again", Some(false)).await, "no_match");
    for who in [AS_ALICE, AS_BOB] {
        assert_eq!(db.query(who, &outcome).await.unwrap(), vec![Value::from("no_match")]);
    }
    assert_refused(db.call(AS_BOB, "answer_meet_again", Some(true)).await, "already_answered");
}

#[tokio::test]
async fn two_yeses_are_a_match_and_an_answer_at_time_up_ends_the_date_first() {
    let mut db = Db::fresh().await;
    db.live().await;
    db.admin(&format!("update public.video_dates set ends_at = now() - interval '1 second' where id = '{DATE}'")).await;
    assert_eq!(db.ok(AS_BOB, "answer_meet_again", Some(true)).await, "waiting");
    let ended = db.date().await;
    assert_eq!((ended["status"].as_str(), ended["end_reason"].as_str()), (Some("ended"), Some("time_up")));
    assert_eq!(db.ok(AS_ALICE, "answer_meet_again", Some(true)).await, "match");
    assert_eq!(db.date().await["outcome"], "match");
}

#[tokio::test]
async fn the_page_context_is_the_database_clock_and_only_the_partner_s_name() {
    let mut db = Db::fresh().await;
    let for_alice = db.ok(AS_ALICE, "date_page_context", None).await;
    assert_eq!(for_alice["partner_name"], BOB.name);
    let for_bob = db.ok(AS_BOB, "date_page_context", None).await;
    assert_eq!(for_bob["partner_name"], ALICE.name);
    // The clock is the transaction's `now()`, the instant every date function compares `ends_at` with.
    let sql = "select to_jsonb(abs(extract(epoch from now() - (public.date_page_context('DATE') ->> 'now')::timestamptz)))";
    let skew = db.query(AS_ALICE, &sql.replace("DATE", DATE)).await.unwrap()[0].as_f64().unwrap();
    assert_eq!(skew, 0.0);
    // No name is null, never an empty string.
    db.admin(&format!("update auth.users set raw_user_meta_data = '{{\"name\": \" \"}}' where id = '{}'", BOB.id)).await;
    assert_eq!(db.ok(AS_ALICE, "date_page_context", None).await["partner_name"], Value::Null);
    assert_eq!(db.date().await["status"], "scheduled", "reading the context changes nothing");
}
