-- The date's rules: the table both pages follow, who may read it, and the only ways to change it.
-- Apply to a Supabase project with `supabase db push` (or psql as `postgres`); see the README. On plain
-- Postgres, apply ../shim.sql first.
--
-- Nobody writes the table directly: the API roles may only read their own dates, and every change goes through
-- one of the functions below, which check who is calling (auth.uid(), from the request's JWT) and whether the
-- date's state allows the change. A refused change raises SQLSTATE P0001 (PostgREST: 400) with a sentence as
-- its message and a stable key as its hint, which the page maps to its own words; someone who is not in the
-- date gets 42501 (PostgREST: 403). The functions are `security definer` (they run as the owner, which
-- bypasses row-level security), so each checks the caller itself and resolves names with an empty search_path.

create table public.video_dates (
  id uuid primary key default gen_random_uuid(),
  room_name text not null unique,
  user_a uuid not null references auth.users (id) on delete cascade,
  user_b uuid not null references auth.users (id) on delete cascade,
  status text not null default 'scheduled' check (status in ('scheduled', 'live', 'ended')),
  duration_seconds integer not null default 600 check (duration_seconds > 0),
  a_joined_at timestamptz,
  b_joined_at timestamptz,
  started_at timestamptz,
  ends_at timestamptz,
  extended_count integer not null default 0 check (extended_count between 0 and 3),
  extension_requested_by uuid references auth.users (id),
  ended_by uuid references auth.users (id),
  end_reason text check (end_reason in ('ended', 'time_up')),
  outcome text check (outcome in ('match', 'no_match')),
  updated_at timestamptz not null default now(),
  constraint video_dates_two_people check (user_a <> user_b),
  constraint video_dates_live_has_times check (status <> 'live' or (started_at is not null and ends_at is not null)),
  constraint video_dates_requester_is_in_it check (extension_requested_by in (user_a, user_b)),
  constraint video_dates_ender_is_in_it check (ended_by in (user_a, user_b))
);

comment on table public.video_dates is
  'One video date between two people. Read by its two people; changed only through join_date, '
  'request_extension, answer_extension, end_date and answer_meet_again.';

create index video_dates_user_a_idx on public.video_dates (user_a);
create index video_dates_user_b_idx on public.video_dates (user_b);

-- Helpers and the meet-again answers live outside the API's schemas: PostgREST cannot reach them.
create schema if not exists private;
revoke all on schema private from public;

create function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create trigger video_dates_touch_updated_at
  before update on public.video_dates
  for each row execute function private.touch_updated_at();

-- Row-level security: the two people read their date; nobody inserts, updates or deletes as an API role. A
-- missing grant refuses a write (42501) before any policy is looked at, and the project's default privileges
-- grant everything on new tables to anon and authenticated, so revoke first.
alter table public.video_dates enable row level security;
revoke all on table public.video_dates from public, anon, authenticated;
grant select on table public.video_dates to authenticated;

create policy "the two people read their date"
  on public.video_dates for select
  to authenticated
  using ((select auth.uid()) in (user_a, user_b));

-- Each person's meet-again answer. Only the functions read it: no grants, row-level security with no policy.
create table private.meet_again_answers (
  date_id uuid not null references public.video_dates (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  yes boolean not null,
  answered_at timestamptz not null default now(),
  primary key (date_id, user_id)
);
alter table private.meet_again_answers enable row level security;
revoke all on table private.meet_again_answers from public, anon, authenticated;

-- A refused change: the message is a sentence, the hint a stable key the page maps to its own words.
create function private.refuse(message text, key text) returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'P0001', message = refuse.message, hint = refuse.key;
end
$$;

-- The caller's date, locked for the rest of the transaction (concurrent calls on one date run one after the
-- other), or 42501 when the caller is not one of its two people. A date that does not exist is refused the
-- same way, so nobody learns which ids exist.
create function private.lock_date(date_id uuid) returns public.video_dates
language plpgsql
set search_path = ''
as $$
declare
  me uuid := auth.uid();
  d public.video_dates;
begin
  select * into d from public.video_dates v where v.id = lock_date.date_id for update;
  if me is null or not found or me not in (d.user_a, d.user_b) then
    raise exception using errcode = '42501', message = 'You are not one of the two people in this date.',
      hint = 'not_participant';
  end if;
  return d;
end
$$;

-- A live date whose time is up is ended ('time_up', nobody ended it) before anything else happens to it.
-- Returns the date as it now is, and whether this call ended it.
create function private.end_if_time_up(d public.video_dates, out latest public.video_dates, out timed_up boolean)
language plpgsql
set search_path = ''
as $$
begin
  timed_up := coalesce(d.status = 'live' and now() >= d.ends_at, false);
  if timed_up then
    update public.video_dates v
      set status = 'ended', end_reason = 'time_up', ended_by = null, extension_requested_by = null
      where v.id = d.id
      returning * into latest;
  else
    latest := d;
  end if;
end
$$;

create function public.join_date(date_id uuid) returns public.video_dates
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := auth.uid();
  d public.video_dates := private.lock_date(join_date.date_id);
  checked record := private.end_if_time_up(d);
begin
  d := checked.latest;
  -- Joining an ended date (a reload after the end) changes nothing: `ended` is final.
  if d.status = 'ended' then
    return d;
  end if;
  if me = d.user_a and d.a_joined_at is null then
    update public.video_dates v set a_joined_at = now() where v.id = d.id returning * into d;
  elsif me = d.user_b and d.b_joined_at is null then
    update public.video_dates v set b_joined_at = now() where v.id = d.id returning * into d;
  end if;
  if d.status = 'scheduled' and d.a_joined_at is not null and d.b_joined_at is not null then
    update public.video_dates v
      set status = 'live', started_at = now(), ends_at = now() + make_interval(secs => d.duration_seconds)
      where v.id = d.id
      returning * into d;
  end if;
  return d;
end
$$;

create function public.request_extension(date_id uuid) returns public.video_dates
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := auth.uid();
  checked record := private.end_if_time_up(private.lock_date(request_extension.date_id));
  d public.video_dates := checked.latest;
begin
  if checked.timed_up then
    return d;
  elsif d.status = 'ended' then
    perform private.refuse('This date has ended; it cannot be extended.', 'date_ended');
  elsif d.status <> 'live' then
    perform private.refuse('The date has not started yet; it can be extended once you are both in.', 'date_not_live');
  elsif d.extension_requested_by = me then
    -- Asking again while one's own request stands changes nothing.
    return d;
  elsif d.extension_requested_by is not null then
    perform private.refuse('Your date already asked for more time; answer their request instead.',
      'extension_pending');
  elsif d.extended_count >= 3 then
    perform private.refuse('This date has been extended three times already, which is the most it can be.',
      'extension_limit');
  end if;
  update public.video_dates v set extension_requested_by = me where v.id = d.id returning * into d;
  return d;
end
$$;

create function public.answer_extension(date_id uuid, accept boolean) returns public.video_dates
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := auth.uid();
  checked record := private.end_if_time_up(private.lock_date(answer_extension.date_id));
  d public.video_dates := checked.latest;
begin
  if checked.timed_up then
    return d;
  elsif d.status = 'ended' then
    perform private.refuse('This date has ended; there is no request to answer.', 'date_ended');
  elsif d.status <> 'live' then
    perform private.refuse('The date has not started yet; there is no request to answer.', 'date_not_live');
  elsif d.extension_requested_by is null then
    perform private.refuse('Nobody asked for more time; there is no request to answer.', 'no_extension_request');
  elsif d.extension_requested_by = me then
    perform private.refuse('You asked for more time yourself; your date answers that request.',
      'own_extension_request');
  elsif answer_extension.accept is null then
    perform private.refuse('Answer the request for more time with yes or no.', 'answer_required');
  end if;
  if answer_extension.accept then
    update public.video_dates v
      set ends_at = d.ends_at + interval '300 seconds', extended_count = d.extended_count + 1,
        extension_requested_by = null
      where v.id = d.id
      returning * into d;
  else
    update public.video_dates v set extension_requested_by = null where v.id = d.id returning * into d;
  end if;
  return d;
end
$$;

create function public.end_date(date_id uuid) returns public.video_dates
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := auth.uid();
  checked record := private.end_if_time_up(private.lock_date(end_date.date_id));
  d public.video_dates := checked.latest;
begin
  -- Ending an ended date returns it as it is, whoever or whatever ended it.
  if d.status = 'ended' then
    return d;
  end if;
  update public.video_dates v
    set status = 'ended', end_reason = 'ended', ended_by = me, extension_requested_by = null
    where v.id = d.id
    returning * into d;
  return d;
end
$$;

-- 'waiting' until both have answered, then 'match' (both yes) or 'no_match', which is also written to
-- `outcome` so that both pages hear it over Realtime. Neither answer is ever readable by anyone.
create function public.answer_meet_again(date_id uuid, yes boolean) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := auth.uid();
  -- A live date whose time is up ends here first; the answer then counts, as on any ended date.
  checked record := private.end_if_time_up(private.lock_date(answer_meet_again.date_id));
  d public.video_dates := checked.latest;
  answers integer;
  yeses integer;
  result text;
begin
  if d.status <> 'ended' then
    perform private.refuse('The date is not over yet; answer once it has ended.', 'date_not_ended');
  elsif answer_meet_again.yes is null then
    perform private.refuse('Answer with yes or no.', 'answer_required');
  end if;
  insert into private.meet_again_answers (date_id, user_id, yes)
    values (d.id, me, answer_meet_again.yes)
    on conflict do nothing;
  if not found then
    perform private.refuse('You have already answered.', 'already_answered');
  end if;
  select count(*), count(*) filter (where a.yes) into answers, yeses
    from private.meet_again_answers a
    where a.date_id = d.id;
  if answers < 2 then
    return 'waiting';
  end if;
  result := case when yeses = 2 then 'match' else 'no_match' end;
  update public.video_dates v set outcome = result where v.id = d.id;
  return result;
end
$$;

-- Only signed-in people call the functions. Functions are executable by PUBLIC by default and the project's
-- default privileges add anon and service_role, so revoke those first.
revoke all on function public.join_date(uuid) from public, anon, service_role;
revoke all on function public.request_extension(uuid) from public, anon, service_role;
revoke all on function public.answer_extension(uuid, boolean) from public, anon, service_role;
revoke all on function public.end_date(uuid) from public, anon, service_role;
revoke all on function public.answer_meet_again(uuid, boolean) from public, anon, service_role;
grant execute on function public.join_date(uuid) to authenticated;
grant execute on function public.request_extension(uuid) to authenticated;
grant execute on function public.answer_extension(uuid, boolean) to authenticated;
grant execute on function public.end_date(uuid) to authenticated;
grant execute on function public.answer_meet_again(uuid, boolean) to authenticated;

revoke all on all functions in schema private from public, anon, authenticated, service_role;

alter publication supabase_realtime add table public.video_dates;
