-- Dev-only stand-in for Supabase Realtime's change feed (never part of supabase/migrations/): every table in
-- the `supabase_realtime` publication gets a trigger that sends the changed row's primary key on the
-- `devserver_realtime` channel. Postgres delivers a notification only when its transaction commits, so a
-- refused or rolled-back change is never announced. The devserver LISTENs once and re-reads each changed row
-- as each subscriber (their role and JWT claims), so row-level security decides who hears of it, as Realtime's
-- `apply_rls` does. The tables are assumed to have an `id` primary key, as `public.video_dates` has.
-- Installed by the devserver at start-up; safe to run again.

create schema if not exists devserver_realtime;
revoke all on schema devserver_realtime from public;

create or replace function devserver_realtime.notify() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  row_id text := case when tg_op = 'DELETE' then to_jsonb(old) ->> 'id' else to_jsonb(new) ->> 'id' end;
begin
  perform pg_notify('devserver_realtime', json_build_object(
    'schema', tg_table_schema,
    'table', tg_table_name,
    'type', tg_op,
    'id', row_id,
    'commit_timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  )::text);
  return null;
end
$$;

do $$
declare
  t record;
begin
  for t in select schemaname, tablename from pg_publication_tables where pubname = 'supabase_realtime' loop
    execute format(
      'create or replace trigger devserver_realtime_notify after insert or update or delete on %I.%I '
      'for each row execute function devserver_realtime.notify()',
      t.schemaname, t.tablename);
  end loop;
end
$$;
