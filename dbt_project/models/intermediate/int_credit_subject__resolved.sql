{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['subject_key'], 'unique': true}],
        pre_hook=["{{ collect_changed_subjects(facts=false) }}", "{{ delete_changed_subjects() }}"],
        post_hook=["{{ record_build() }}"],
    )
}}
-- One credit subject per USCC (organisations and individual businesses), per person_key (natural
-- persons), or per unlinked organisation code: the names it was reported under and when.
-- Incremental by subject: a night computes the subjects of the records rebuilt since the last build, now and
-- before they moved (macro subjects_changed_since), after the pre-hooks dropped their rows.
{%- set previous = previous_build() %}

with records as (
    select
        subject_key,
        resolved_by,
        subject_name,
        subject_category,
        id_no_masked,
        division_code,
        first_reported_on,
        last_reported_on
    from {{ ref('int_credit_record__current') }}
    where
        subject_key is not null  -- noqa: LT02
        {%- if previous %}
            and subject_key in (select changed_subject.subject_key from changed_subject)
        {%- endif %}
),

ranked_names as (
    select
        subject_key,
        subject_name,
        count(*) as times_reported,
        max(last_reported_on) as last_reported_on
    from records
    where subject_name is not null
    group by subject_key, subject_name
),

-- the name a subject was last reported under (then the most reported, then the first alphabetically):
-- one sorted pass, where a correlated subquery per subject grew with the square of the rows
primary_names as (
    select distinct on (subject_key)
        subject_key,
        subject_name as primary_name
    from ranked_names
    order by subject_key asc, last_reported_on desc, times_reported desc, subject_name asc
)

select
    records.subject_key,
    case
        when util.uscc_is_valid(records.subject_key) then 'uscc'
        when bool_or(records.resolved_by = 'person_key') then 'person_key'
        else 'unlinked_code'
    end as key_kind,
    case when util.uscc_is_valid(records.subject_key) then records.subject_key end as uscc,
    case when util.uscc_is_valid(records.subject_key) then substr(records.subject_key, 9, 9) end as org_code,
    bool_or(records.resolved_by = 'person_key') as is_natural_person,
    max(records.id_no_masked) filter (where records.resolved_by = 'person_key') as id_no_masked,
    primary_names.primary_name,
    array_agg(distinct records.subject_name order by records.subject_name) filter (
        where records.subject_name is not null
    ) as names_seen,
    mode() within group (order by records.division_code) as reported_division_code,
    min(records.first_reported_on) as first_seen_on,
    max(records.last_reported_on) as last_seen_on
from records
left join primary_names on records.subject_key = primary_names.subject_key
group by records.subject_key, primary_names.primary_name
