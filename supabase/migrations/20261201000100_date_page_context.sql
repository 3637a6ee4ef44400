-- What the date page needs besides the row: the database's clock, so both pages count down to the same instant
-- even when a device's clock is off, and the partner's display name ("You're meeting Bob"). Read-only.
--
-- `now` is the transaction's start, as in every date function, so the page can compare it with `ends_at`.
-- The name is `raw_user_meta_data->>'name'` (what GoTrue stores from sign-up's `data`), or null. Only one of the
-- two people may ask, and only for the other one's name; anyone else gets 42501, like the functions that change
-- the date.

create function public.date_page_context(date_id uuid) returns json
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  me uuid := auth.uid();
  d public.video_dates;
  partner_name text;
begin
  select * into d from public.video_dates v where v.id = date_page_context.date_id;
  if me is null or not found or me not in (d.user_a, d.user_b) then
    raise exception using errcode = '42501', message = 'You are not one of the two people in this date.',
      hint = 'not_participant';
  end if;
  select u.raw_user_meta_data ->> 'name' into partner_name
    from auth.users u
    where u.id = case when me = d.user_a then d.user_b else d.user_a end;
  return json_build_object('now', now(), 'partner_name', nullif(btrim(partner_name), ''));
end
$$;

revoke all on function public.date_page_context(uuid) from public, anon, service_role;
grant execute on function public.date_page_context(uuid) to authenticated;
