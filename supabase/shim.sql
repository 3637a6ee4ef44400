-- What a Supabase project already has, recreated on plain Postgres 15 so the migrations in migrations/ run
-- unchanged in tests and in `cargo xtask dev`. Never apply this to a Supabase project: it has all of it.
-- Run as the cluster's bootstrap superuser (`postgres` on a Debian cluster), once per database, before the
-- migrations. Roles are cluster-wide, so they are created only when missing (several databases of one test
-- cluster each get the shim).

-- The API roles (supabase/postgres init-scripts/00000000000000-initial-schema.sql, then switched to `inherit`
-- by 20230529180330_alter_api_roles_for_inherit.sql). PostgREST logs in as `authenticator` and switches to
-- one of the other three per request.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin inherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin inherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin inherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;

-- Supabase's defaults on `public`: usage, and everything on new tables, functions and sequences for the API
-- roles. Supabase is moving away from these defaults, but existing projects still have them, so the migrations
-- revoke and grant explicitly and the tests prove the revokes against these defaults.
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to postgres, anon, authenticated, service_role;

create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;

-- GoTrue's schema (supabase/auth migrations/00_init_auth_schema.up.sql), reduced to the columns this project's
-- dev server reads; inserting (id, email) alone makes a user, as foreign keys need only `id`.
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  id uuid primary key,
  aud text default 'authenticated',
  role text default 'authenticated',
  email text unique,
  encrypted_password text,
  raw_app_meta_data jsonb default '{}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  is_anonymous boolean not null default false,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  deleted_at timestamptz
);

-- The helpers as GoTrue defines them (migrations/20220224000811_update_auth_functions.up.sql and
-- 20220531120530_…): the claims PostgREST sets per request, with the older single-claim setting first.
create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;

-- Realtime's publication starts empty; migrations add their tables to it.
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
