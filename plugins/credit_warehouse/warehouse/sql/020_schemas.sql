-- Schemas of the data layers and who may use them. Re-runnable: every statement is idempotent.
-- raw -> ops (ledger) -> quarantine -> staging -> intermediate -> marts -> publish; ref holds the
-- dbt seeds (code tables, working-day calendar); util the shared check functions; vault the
-- encrypted resident-ID numbers.
create schema if not exists raw authorization loader;
create schema if not exists ops authorization loader;
create schema if not exists quarantine authorization loader;
create schema if not exists ref authorization transformer;
create schema if not exists staging authorization transformer;
create schema if not exists intermediate authorization transformer;
create schema if not exists marts authorization transformer;
create schema if not exists snapshots authorization transformer;
create schema if not exists publish authorization transformer;
create schema if not exists util;
create schema if not exists vault authorization loader;
-- the publish contract's working table: the staged rows flattened once, for every expectation to read
create schema if not exists publish_contract authorization publisher;

revoke all on schema raw, ops, quarantine, vault, publish_contract from public;
revoke create on schema public from public;

grant usage on schema util to loader, transformer, analyst, publisher;
grant usage on schema ref to loader, analyst, publisher;
grant usage on schema raw, ops, quarantine to transformer;
grant usage on schema ops to publisher;
grant usage on schema marts to analyst, publisher;
grant usage on schema publish to publisher;

-- what one role creates, the roles downstream of it may read
alter default privileges for role loader in schema raw, ops, quarantine grant select on tables to transformer;
alter default privileges for role transformer in schema ref grant select on tables to loader, analyst, publisher;
alter default privileges for role transformer in schema marts grant select on tables to analyst, publisher;
alter default privileges for role transformer in schema publish grant select on tables to publisher;
alter default privileges for role loader in schema ops grant usage on sequences to publisher;
