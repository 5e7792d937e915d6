-- 行政处罚: one row per accepted report of a penalty decision, typed and cleaned; the penalty
-- categories (one or more, as codes or names) are split by util.penalty_category_codes, the rule the
-- gate checks them with, into code and name arrays. Either national format (source_layout) maps onto
-- the same columns.
with source as (
    {{ accepted_rows('dept_penalty') }}
),

penalty_category as (
    select
        category_code::text as category_code,
        category_name
    from {{ ref('penalty_category') }}
),

cleaned as (
    select
        source.*,
        -- the 2016 format sends two category columns (处罚类别1, 处罚类别2)
        coalesce(util.penalty_category_codes(source.penalty_categories), '{}')
        || coalesce(util.penalty_category_codes(source.penalty_category_2), '{}') as category_codes
    from source
)

select
    {{ accepted_row_columns('cleaned') }},
    cleaned.source_layout,
    {{ clean_text('cleaned.subject_name') }} as subject_name,
    {{ double_publicity_subject_category('cleaned') }} as subject_category,
    {{ clean_code('cleaned.uscc') }} as uscc,
    {{ clean_code('cleaned.business_reg_no') }} as business_reg_no,
    {{ clean_code('cleaned.org_code') }} as org_code,
    {{ clean_code('cleaned.tax_reg_no') }} as tax_reg_no,
    {{ clean_code('cleaned.institution_cert_no') }} as institution_cert_no,
    {{ clean_code('cleaned.social_org_cert_no') }} as social_org_cert_no,
    {{ clean_text('cleaned.legal_rep_name') }} as legal_rep_name,
    {{ clean_text('cleaned.legal_rep_id_type') }} as legal_rep_id_type,
    {{ masked_id('cleaned.legal_rep_id_no') }} as legal_rep_id_no_masked,
    {{ clean_text('cleaned.person_id_type') }} as person_id_type,
    {{ person_key('cleaned.person_id_no') }} as person_key,
    {{ masked_id('cleaned.person_id_no') }} as person_id_no_masked,
    {{ normalize_doc_no('cleaned.decision_doc_no') }} as decision_doc_no,
    {{ clean_text('cleaned.violation_type') }} as violation_type,
    {{ clean_text('cleaned.violation_facts') }} as violation_facts,
    {{ clean_text('cleaned.legal_basis') }} as legal_basis,
    cleaned.category_codes as penalty_category_codes,
    array(
        select penalty_category.category_name
        from unnest(cleaned.category_codes) with ordinality as part (code, position)
        inner join penalty_category on part.code = penalty_category.category_code
        order by part.position
    ) as penalty_category_names,
    {{ clean_text('cleaned.penalty_content') }} as penalty_content,
    {{ clean_amount('cleaned.fine_amount_10k_yuan') }} as fine_amount_10k_yuan,
    {{ clean_amount('cleaned.confiscated_amount_10k_yuan') }} as confiscated_amount_10k_yuan,
    {{ clean_text('cleaned.suspended_license') }} as suspended_license,
    {{ clean_date('cleaned.decision_date') }} as decision_date,
    {{ clean_date('cleaned.valid_until') }} as valid_until,
    {{ clean_date('cleaned.publicity_until') }} as publicity_until_reported,
    case {{ clean_text('cleaned.severity') }}
        when '严重' then 'serious'
        when '一般' then 'general'
    end as severity,
    {{ clean_text('cleaned.authority') }} as authority,
    {{ clean_text('cleaned.remark') }} as remark,
    {{ double_publicity_reporting_columns('cleaned', 'penalty_status') }}
from cleaned
{{ double_publicity_reporting_joins('cleaned') }}
