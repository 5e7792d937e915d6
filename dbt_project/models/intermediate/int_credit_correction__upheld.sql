{{ config(indexes=[{'columns': ['record_kind', 'record_doc_no']}]) }}
-- Upheld corrections that change a record's status: 信用修复 (repair: ends a listing or a
-- publicity early), 异议撤销 (withdraw: the record should never have been published) and 异议更正
-- (correct: the record is withheld from public view and the national interface until the department
-- re-reports it corrected; fct_credit_record lets a later report supersede the decision). Only
-- outcome 同意 counts. The latest decision per record wins; the subject is resolved like the records themselves.
with corrections as (
    select *
    from {{ ref('stg_platform__credit_correction') }}
    where
        is_upheld
        and action in ('repair', 'withdraw', 'correct')
        and record_kind is not null
        and record_doc_no is not null
),

identifiers as (
    select
        identifier,
        uscc
    from {{ ref('int_credit_subject__identifiers') }}
    where identifier_kind = 'org_code'
),

resolved as (
    select
        corrections.correction_id,
        corrections.record_kind,
        corrections.record_doc_no,
        coalesce(corrections.uscc, corrections.person_key, identifiers.uscc, 'ORG-' || corrections.org_code)
            as subject_key,
        -- named by an organisation code only: a code learnt later may name another subject
        corrections.uscc is null and corrections.person_key is null as subject_by_crosswalk,
        corrections.id_no_masked,
        corrections.action,
        corrections.applied_on,
        corrections.accepted_on,
        corrections.closed_on,
        coalesce(corrections.closed_on, corrections.accepted_on, corrections.reported_on) as effective_on,
        corrections.handling_unit,
        corrections.reported_on,
        corrections.batch_id,
        corrections.row_number
    from corrections
    left join identifiers
        on corrections.org_code = identifiers.identifier
)

select distinct on (record_kind, record_doc_no, subject_key) *
from resolved
order by record_kind asc, record_doc_no asc, subject_key asc, effective_on desc, reported_on desc, batch_id desc, row_number desc
