-- 行政许可: one row per accepted report of a licensing decision, typed and cleaned, in either national
-- format (the current one or the 2016 one, source_layout), mapped onto the same columns.
with source as (
    {{ accepted_rows('dept_license') }}
),

license_category as (
    select
        category_code,
        category_name
    from {{ ref('license_category') }}
)

select
    {{ accepted_row_columns('source') }},
    source.source_layout,
    {{ clean_text('source.subject_name') }} as subject_name,
    {{ double_publicity_subject_category('source') }} as subject_category,
    {{ clean_code('source.uscc') }} as uscc,
    {{ clean_code('source.business_reg_no') }} as business_reg_no,
    {{ clean_code('source.org_code') }} as org_code,
    {{ clean_code('source.tax_reg_no') }} as tax_reg_no,
    {{ clean_code('source.institution_cert_no') }} as institution_cert_no,
    {{ clean_code('source.social_org_cert_no') }} as social_org_cert_no,
    {{ clean_text('source.legal_rep_name') }} as legal_rep_name,
    {{ clean_text('source.legal_rep_id_type') }} as legal_rep_id_type,
    {{ masked_id('source.legal_rep_id_no') }} as legal_rep_id_no_masked,
    {{ clean_text('source.person_id_type') }} as person_id_type,
    {{ person_key('source.person_id_no') }} as person_key,
    {{ masked_id('source.person_id_no') }} as person_id_no_masked,
    {{ clean_text('source.decision_doc_name') }} as decision_doc_name,
    {{ normalize_doc_no('source.decision_doc_no') }} as decision_doc_no,
    license_category.category_code as license_category_code,
    coalesce(license_category.category_name, {{ clean_text('source.license_category') }}) as license_category,
    {{ clean_text('source.license_cert_name') }} as license_cert_name,
    {{ clean_text('source.license_no') }} as license_no,
    {{ clean_text('source.content') }} as content,
    {{ clean_date('source.decision_date') }} as decision_date,
    -- a licence takes effect on its decision unless the report says otherwise (the 2016 format never does)
    coalesce({{ clean_date('source.valid_from') }}, {{ clean_date('source.decision_date') }}) as valid_from,
    {{ clean_date('source.valid_to') }} as valid_to,
    {{ clean_text('source.authority') }} as authority,
    {{ clean_text('source.remark') }} as remark,
    {{ double_publicity_reporting_columns('source', 'license_status') }}
from source
-- some systems send the category as its code 01..06, others as its name (普通, 特许 ...)
left join license_category
    on
        license_category.category_code = lpad({{ clean_code('source.license_category') }}, 2, '0')
        or license_category.category_name = {{ clean_text('source.license_category') }}
{{ double_publicity_reporting_joins('source') }}
