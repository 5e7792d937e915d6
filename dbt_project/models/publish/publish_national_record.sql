{{ config(materialized='table', post_hook=["analyze {{ this }}"]) }}
-- Every record that must be on the national platform (全国信用信息共享平台) now, or withdrawn from
-- it: public licensing, penalty and black-list records. Active records are upserts; a record that
-- left public view after it was sent (an upsert for it is in ops.publish_outbox) becomes a withdrawal:
-- repaired, withdrawn by a correction, withheld by an upheld 异议更正 until its corrected
-- re-report, or past its publicity period (公示期届满); one that left before it
-- was ever sent is simply not sent. The payload keys are the fields of the publish
-- contract suite (expectations/gx_suites/publish_contract.json) and the reference national interface.
-- A table, built once a night: its tests and the outbox staging (through publish_national_delta) read it
-- instead of computing every payload again each.
with records as (
    select
        *,
        -- the resolved USCC stands in when a report named the subject by a legacy code only
        case when util.uscc_is_valid(subject_key) then subject_key end as resolved_uscc
    from {{ ref('fct_credit_record') }}
    where
        record_kind in ('license', 'penalty', 'blacklist')
        and disclosure_class in (
            select classes.disclosure_class_code
            from {{ ref('disclosure_class') }} as classes
            where classes.publishable
        )
),

sent as (
    select distinct
        record_kind,
        record_key
    from {{ source('ops', 'publish_outbox') }}
    where action = 'upsert'
),

subject_fields as (
    select
        record_id,
        jsonb_build_object(
            'subject_name', details ->> 'subject_name',
            'subject_category', case details ->> 'subject_category'
                when 'legal_person' then '法人及非法人组织'
                when 'individual_business' then '个体工商户'
                when 'natural_person' then '自然人'
            end,
            'uscc', resolved_uscc,
            'person_id_no', details ->> 'person_id_no_masked'
        ) as fields
    from records
),

-- the double-publicity fields licensing and penalties share (双公示 common fields)
double_publicity_fields as (
    select
        record_id,
        jsonb_build_object(
            'business_reg_no', details ->> 'business_reg_no',
            'org_code', details ->> 'org_code',
            'tax_reg_no', details ->> 'tax_reg_no',
            'institution_cert_no', details ->> 'institution_cert_no',
            'social_org_cert_no', details ->> 'social_org_cert_no',
            'legal_rep_name', details ->> 'legal_rep_name',
            'legal_rep_id_type', details ->> 'legal_rep_id_type',
            'legal_rep_id_no', details ->> 'legal_rep_id_no_masked',
            'person_id_type', details ->> 'person_id_type',
            'decision_doc_no', details ->> 'decision_doc_no',
            'decision_date', details ->> 'decision_date',
            'authority', details ->> 'authority',
            'authority_uscc', details ->> 'authority_uscc',
            'source_unit', details ->> 'source_unit',
            'source_unit_uscc', details ->> 'source_unit_uscc'
        ) as fields
    from records
    where record_kind in ('license', 'penalty')
),

license_fields as (
    select
        record_id,
        jsonb_build_object(
            'decision_doc_name', details ->> 'decision_doc_name',
            'license_category', details ->> 'license_category_code',
            'license_cert_name', details ->> 'license_cert_name',
            'license_no', details ->> 'license_no',
            'content', details ->> 'content',
            'valid_from', details ->> 'valid_from',
            'valid_to', details ->> 'valid_to',
            'status', details ->> 'license_status',
            'remark', details ->> 'remark'
        ) as fields
    from records
    where record_kind = 'license'
),

penalty_fields as (
    select
        record_id,
        jsonb_build_object(
            'violation_type', details ->> 'violation_type',
            'violation_facts', details ->> 'violation_facts',
            'legal_basis', details ->> 'legal_basis',
            'penalty_categories', array_to_string(
                array(select jsonb_array_elements_text(details -> 'penalty_category_codes')), ','
            ),
            'penalty_content', details ->> 'penalty_content',
            'fine_amount_10k_yuan', details ->> 'fine_amount_10k_yuan',
            'confiscated_amount_10k_yuan', details ->> 'confiscated_amount_10k_yuan',
            'suspended_license', details ->> 'suspended_license',
            'valid_until', details ->> 'valid_until',
            'publicity_until', publicity_until::text
        ) as fields
    from records
    where record_kind = 'penalty'
),

listing_fields as (
    select
        record_id,
        jsonb_build_object(
            'list_type', list_type_code::text,
            'listing_reason', details ->> 'listing_reason',
            'listing_doc_no', details ->> 'listing_doc_no',
            'listed_on', details ->> 'listed_on',
            'listing_authority', details ->> 'listing_authority',
            'removed_on', details ->> 'removed_on',
            'removal_reason', details ->> 'removal_reason',
            'removal_authority', details ->> 'removal_authority',
            'publicity_until', publicity_until::text
        ) as fields
    from records
    where record_kind = 'blacklist'
),

kind_fields as (
    select * from license_fields
    union all
    select * from penalty_fields
    union all
    select * from listing_fields
),

payloads as (
    select
        records.record_kind,
        records.record_key,
        coalesce(records.resolved_uscc, records.id_no_masked) as subject_code,
        jsonb_strip_nulls(
            subject_fields.fields || coalesce(double_publicity_fields.fields, '{}') || kind_fields.fields
        ) as payload,
        case when records.status in ('repaired', 'withdrawn', 'withheld', 'expired') then 'withdraw' else 'upsert' end as action,
        sent.record_key is not null as was_sent,
        records.disclosure_class,
        records.updated_at
    from records
    inner join subject_fields on records.record_id = subject_fields.record_id
    inner join kind_fields on records.record_id = kind_fields.record_id
    left join double_publicity_fields on records.record_id = double_publicity_fields.record_id
    left join sent
        on
            records.record_kind = sent.record_kind
            and records.record_key = sent.record_key
)

select
    record_kind,
    record_key,
    subject_code,
    payload,
    md5(payload::text) as payload_hash,
    action,
    disclosure_class,
    updated_at
from payloads
where action = 'upsert' or was_sent
