{{
    config(
        materialized='incremental',
        unique_key=['record_kind', 'record_key'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['record_kind', 'record_key'], 'unique': true}],
        post_hook=["{{ delete_rows_not_rewritten() }}", "analyze {{ this }}", "{{ record_build() }}"],
    )
}}
-- Every record that must be on the national platform (全国信用信息共享平台) now, or withdrawn from
-- it: public licensing, penalty and black-list records. Active records are upserts; a record that
-- left public view after it was sent (an upsert for it is in ops.publish_outbox) becomes a withdrawal:
-- repaired, withdrawn by a correction, withheld by an upheld 异议更正 until its corrected
-- re-report, or past its publicity period (公示期届满); one that left before it
-- was ever sent is simply not sent. The payload keys are the fields of the publish
-- contract suite (expectations/gx_suites/publish_contract.json) and the reference national interface.
-- Materialised, so its tests and the outbox staging (through publish_national_delta) read it instead of
-- computing every payload again each. Incremental: a night computes the records rewritten in
-- fct_credit_record or rebuilt upstream since the last build; the post-hook drops those that produced no
-- row (no longer to send, or gone from the marts). A backfill or a changed model computes every record
-- and drops the rest.
-- depends_on: {{ ref('int_credit_record__current') }}
{%- set previous = previous_build() %}

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
        )  -- noqa: LT02
        {%- if previous %}
            and record_id in (
                select changed.record_id from ({{ records_changed_since(previous.built_at) }}) as changed
            )
        {%- endif %}
),

-- each field group as a column of the record's own row (no join per group): the fields every record
-- carries, the double-publicity fields licensing and penalties share (双公示 common fields), its kind's own
fields as (
    select
        records.record_kind,
        records.record_key,
        -- an organisation known only by an old code keeps it (ORG- / REG-): the publish contract refuses the
        -- record, and says why, until the crosswalk links the code to a USCC
        coalesce(records.resolved_uscc, records.id_no_masked, records.subject_key) as subject_code,
        jsonb_build_object(
            'subject_name', records.details ->> 'subject_name',
            'subject_category', case records.details ->> 'subject_category'
                when 'legal_person' then '法人及非法人组织'
                when 'individual_business' then '个体工商户'
                when 'natural_person' then '自然人'
            end,
            'uscc', records.resolved_uscc,
            'person_id_no', records.details ->> 'person_id_no_masked'
        ) as subject_fields,
        case when records.record_kind in ('license', 'penalty') then jsonb_build_object(
                    'business_reg_no', records.details ->> 'business_reg_no',
                    'org_code', records.details ->> 'org_code',
                    'tax_reg_no', records.details ->> 'tax_reg_no',
                    'institution_cert_no', records.details ->> 'institution_cert_no',
                    'social_org_cert_no', records.details ->> 'social_org_cert_no',
                    'legal_rep_name', records.details ->> 'legal_rep_name',
                    'legal_rep_id_type', records.details ->> 'legal_rep_id_type',
                    'legal_rep_id_no', records.details ->> 'legal_rep_id_no_masked',
                    'person_id_type', records.details ->> 'person_id_type',
                    'decision_doc_no', records.details ->> 'decision_doc_no',
                    'decision_date', records.details ->> 'decision_date',
                    'authority', records.details ->> 'authority',
                    'authority_uscc', records.details ->> 'authority_uscc',
                    'source_unit', records.details ->> 'source_unit',
                    'source_unit_uscc', records.details ->> 'source_unit_uscc'
                )
        end as double_publicity_fields,
        case when records.record_kind = 'license' then jsonb_build_object(
                    'decision_doc_name', records.details ->> 'decision_doc_name',
                    'license_category', records.details ->> 'license_category_code',
                    'license_cert_name', records.details ->> 'license_cert_name',
                    'license_no', records.details ->> 'license_no',
                    'content', records.details ->> 'content',
                    'valid_from', records.details ->> 'valid_from',
                    'valid_to', records.details ->> 'valid_to',
                    'status', records.details ->> 'license_status',
                    'remark', records.details ->> 'remark'
                )
        end as license_fields,
        case when records.record_kind = 'penalty' then jsonb_build_object(
                    'violation_type', records.details ->> 'violation_type',
                    'violation_facts', records.details ->> 'violation_facts',
                    'legal_basis', records.details ->> 'legal_basis',
                    -- the codes' json array as 1,2,3 with no subquery (a subquery keeps the payload out of the
                    -- parallel workers): codes are digits; the brackets, quotes and spaces go
                    'penalty_categories', translate((records.details -> 'penalty_category_codes')::text, '[]" ', ''),
                    'penalty_content', records.details ->> 'penalty_content',
                    'fine_amount_10k_yuan', records.details ->> 'fine_amount_10k_yuan',
                    'confiscated_amount_10k_yuan', records.details ->> 'confiscated_amount_10k_yuan',
                    'suspended_license', records.details ->> 'suspended_license',
                    'valid_until', records.details ->> 'valid_until',
                    'publicity_until', records.publicity_until::text
                )
        end as penalty_fields,
        case when records.record_kind = 'blacklist' then jsonb_build_object(
                    'list_type', records.list_type_code::text,
                    'listing_reason', records.details ->> 'listing_reason',
                    'listing_doc_no', records.details ->> 'listing_doc_no',
                    'listed_on', records.details ->> 'listed_on',
                    'listing_authority', records.details ->> 'listing_authority',
                    'removed_on', records.details ->> 'removed_on',
                    'removal_reason', records.details ->> 'removal_reason',
                    'removal_authority', records.details ->> 'removal_authority',
                    'publicity_until', records.publicity_until::text
                )
        end as listing_fields,
        case when records.status in ('repaired', 'withdrawn', 'withheld', 'expired') then 'withdraw' else 'upsert' end as action,
        exists(
            select 1
            from {{ source('ops', 'publish_outbox') }} as sent
            where
                sent.record_kind = records.record_kind
                and sent.record_key = records.record_key
                and sent.action = 'upsert'
        ) as was_sent,
        records.disclosure_class,
        records.updated_at
    from records
),

payloads as (
    select
        record_kind,
        record_key,
        subject_code,
        jsonb_strip_nulls(
            subject_fields
            || coalesce(double_publicity_fields, '{}')
            || coalesce(license_fields, penalty_fields, listing_fields)
        ) as payload,
        action,
        was_sent,
        disclosure_class,
        updated_at
    from fields
    -- a fence: the payload is built once a row, not again for its hash below
    offset 0  -- noqa: AM09
)

select
    record_kind,
    record_key,
    subject_code,
    payload,
    md5(payload::text) as payload_hash,
    action,
    disclosure_class,
    updated_at,
    -- the invocation that wrote the row: the night's personal-data test scans the rows it wrote
    '{{ invocation_id }}'::text as written_by_invocation
from payloads
where action = 'upsert' or was_sent
