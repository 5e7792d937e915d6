-- 严重失信主体名单: one row per accepted report of a listing; list_type arrives as the code 1..14
-- or as the type's name and is mapped to list_type_code.
with source as (
    {{ accepted_rows('dept_blacklist') }}
),

list_type as (
    select
        list_type_code::integer as list_type_code,
        list_type_name
    from {{ ref('credit_list_type') }}
)

select
    {{ accepted_row_columns('source') }},
    {{ clean_text('source.subject_name') }} as subject_name,
    {{ subject_category_code('source.subject_category') }} as subject_category,
    {{ clean_code('source.uscc') }} as uscc,
    {{ person_key('source.person_id_no') }} as person_key,
    {{ masked_id('source.person_id_no') }} as person_id_no_masked,
    list_type.list_type_code,
    {{ clean_text('source.list_type') }} as list_type_reported,
    {{ clean_text('source.listing_reason') }} as listing_reason,
    {{ normalize_doc_no('source.listing_doc_no') }} as listing_doc_no,
    {{ clean_date('source.listed_on') }} as listed_on,
    {{ clean_text('source.listing_authority') }} as listing_authority,
    {{ clean_date('source.removed_on') }} as removed_on,
    {{ clean_text('source.removal_reason') }} as removal_reason,
    {{ clean_text('source.removal_authority') }} as removal_authority,
    {{ clean_date('source.publicity_until') }} as publicity_until_reported
from source
left join list_type
    on
        list_type.list_type_code::text = ltrim({{ clean_code('source.list_type') }}, '0')
        or list_type.list_type_name = {{ clean_text('source.list_type') }}
