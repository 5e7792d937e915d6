-- 异议 and 信用修复 decisions from the platform's objection system. subject_code is a USCC, an
-- organisation code or a resident ID; the ID is keyed and masked here and never passed on.
with source as (
    {{ accepted_rows('credit_correction') }}
),

cleaned as (
    select
        source.*,
        {{ clean_code('source.subject_code') }} as subject_code_clean
    from source
)

select
    {{ accepted_row_columns() }},
    {{ clean_code('correction_id') }} as correction_id,
    case lower({{ clean_text('record_kind') }})
        when 'license' then 'license'
        when '行政许可' then 'license'
        when 'penalty' then 'penalty'
        when '行政处罚' then 'penalty'
        when 'blacklist' then 'blacklist'
        when '严重失信主体名单' then 'blacklist'
        when '失信名单' then 'blacklist'
        when 'court' then 'court'
        when '法院' then 'court'
    end as record_kind,
    {{ normalize_doc_no('record_key') }} as record_doc_no,
    case when util.uscc_is_valid(subject_code_clean) then subject_code_clean end as uscc,
    case
        when util.uscc_is_valid(subject_code_clean) then substr(subject_code_clean, 9, 9)
        when subject_code_clean ~ '^[0-9A-Z]{9}$' then subject_code_clean
    end as org_code,
    case when util.is_vault_token(subject_code_clean) then {{ person_key('subject_code_clean') }} end as person_key,
    case
        when util.is_vault_token(subject_code_clean) then util.vault_masked_id(subject_code_clean)
        when util.resident_id_is_masked(subject_code_clean) then subject_code_clean
    end as id_no_masked,
    case {{ clean_text('action') }}
        when '信用修复' then 'repair'
        when 'repair' then 'repair'
        when '异议更正' then 'correct'
        when 'correct' then 'correct'
        when '异议撤销' then 'withdraw'
        when 'withdraw' then 'withdraw'
    end as action,
    {{ clean_date('applied_on') }} as applied_on,
    {{ clean_date('accepted_on') }} as accepted_on,
    {{ clean_date('closed_on') }} as closed_on,
    {{ clean_text('outcome') }} as outcome,
    coalesce({{ clean_text('outcome') }} = '同意', false) as is_upheld,
    {{ clean_text('handling_unit') }} as handling_unit
from cleaned
