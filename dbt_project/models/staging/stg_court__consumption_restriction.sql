-- 限制高消费: one row per accepted restriction order; identifiers handled as for dishonest debtors.
with source as (
    {{ accepted_rows('court_consumption_restriction') }}
),

cleaned as (
    select
        source.*,
        {{ clean_code('source.id_no') }} as id_code
    from source
)

select
    _batch_id as batch_id,
    _row_number as row_number,
    _loaded_at as loaded_at,
    reported_on,
    {{ normalize_doc_no('case_no') }} as case_no,
    {{ clean_text('restricted_name') }} as restricted_name,
    case
        when util.uscc_is_valid(id_code) then 'legal_person'
        when util.org_code_is_valid(id_code) or id_code ~ '^[0-9A-Z]{9}$' then 'organisation'
        when util.resident_id_is_masked(id_code) or util.is_vault_token(id_code) then 'natural_person'
    end as party_kind,
    case when util.uscc_is_valid(id_code) then id_code end as uscc,
    case
        when util.uscc_is_valid(id_code) then substr(id_code, 9, 9)
        when id_code ~ '^[0-9A-Z]{9}$' then id_code
    end as org_code,
    case
        when util.is_vault_token(id_code) then {{ person_key('id_code') }}
        -- a masked ID cannot key a person alone: the name completes it
        when util.resident_id_is_masked(id_code)
            then {{ masked_person_key("id_code || '|' || coalesce(util.null_if_placeholder(restricted_name), '')") }}
    end as person_key,
    case
        when util.is_vault_token(id_code) then util.vault_masked_id(id_code)
        when util.resident_id_is_masked(id_code) then id_code
    end as id_no_masked,
    {{ clean_text('legal_rep') }} as legal_rep,
    {{ clean_text('court') }} as court,
    {{ clean_date('filed_on') }} as filed_on,
    {{ clean_date('published_on') }} as published_on
from cleaned
