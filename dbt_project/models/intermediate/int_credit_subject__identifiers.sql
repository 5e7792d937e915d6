{{ config(indexes=[{'columns': ['identifier_kind', 'identifier'], 'unique': true}]) }}
-- Crosswalk from every identifier an organisation was reported under to its USCC: the USCC itself,
-- its embedded organisation code (characters 9-17) and any legacy registration number (工商注册号,
-- 税务登记号, 事业单位证书号, 社会组织登记证号) seen on a report together with a valid USCC. A legacy
-- code claimed by two USCCs is ambiguous and left out rather than guessed.
with known as (
    select
        uscc,
        org_code,
        legacy_reg_nos,
        reported_on
    from {{ ref('int_credit_record__history') }}
    -- the history holds every night loaded so far: an earlier night rebuilt sees its own reports only
    where util.uscc_is_valid(uscc) and reported_on <= {{ as_of_date() }}
),

claims as (
    select
        'uscc' as identifier_kind,
        uscc as identifier,
        uscc,
        reported_on
    from known
    union all
    select
        'org_code' as identifier_kind,
        substr(uscc, 9, 9) as identifier,
        uscc,
        reported_on
    from known
    union all
    select
        'legacy_reg_no' as identifier_kind,
        legacy.code as identifier,
        known.uscc,
        known.reported_on
    from known
    cross join lateral unnest(string_to_array(known.legacy_reg_nos, ' ')) as legacy (code)
    where legacy.code <> known.uscc
)

select
    identifier_kind,
    identifier,
    min(uscc) as uscc,
    count(*) as report_count,
    min(reported_on) as first_seen_on,
    max(reported_on) as last_seen_on
from claims
group by identifier_kind, identifier
having count(distinct uscc) = 1
