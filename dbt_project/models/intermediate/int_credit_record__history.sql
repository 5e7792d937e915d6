{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['record_kind', 'record_key']},
            {'columns': ['batch_id']},
            {'columns': ['appended_at']},
        ],
    )
}}
-- Every accepted report of every credit record, all kinds at one grain: the history that "latest
-- report wins" picks from. Append-only: a night adds the rows of batches not seen yet (a batch is
-- the unit the gate accepts), so a re-reported decision keeps every earlier report. Subjects are
-- resolved later (int_credit_record__current) so a legacy code learnt tomorrow still applies.
{%- set common = [
    ('record_kind', 'text'), ('source_feed', 'text'), ('record_key', 'text'), ('doc_no', 'text'),
    ('subject_name', 'text'), ('subject_category', 'text'), ('uscc', 'text'), ('org_code', 'text'),
    ('legacy_reg_nos', 'text'), ('person_key', 'text'), ('id_no_masked', 'text'), ('event_date', 'date'),
    ('version_date', 'date'), ('valid_from', 'date'), ('valid_to', 'date'), ('publicity_until_reported', 'date'),
    ('removed_on', 'date'), ('removal_reason', 'text'), ('severity', 'text'), ('list_type_code', 'integer'),
    ('fine_amount_10k_yuan', 'numeric'), ('arrears_amount_yuan', 'numeric'), ('arrears_periods', 'integer'),
    ('authority', 'text'), ('division_code', 'text'),
] -%}
{%- set org_identifier = "coalesce(uscc, org_code, left(person_key, 16))" -%}
{#- legacy registration numbers, space-separated (normalised codes hold no blanks) -#}
{%- set legacy_codes = "nullif(concat_ws(' ', business_reg_no, tax_reg_no, institution_cert_no, social_org_cert_no), '')" -%}
{#- the court feed reports a debtor who performed (全部履行, 已履行) or a listing the court removed (撤销, 屏蔽,
    删除): the listing ends on the night it was so reported -#}
{%- set listing_ended_by_court = "performance ~ '(全部履行|已履行|履行完毕|撤销|屏蔽|删除)'" %}
{%- set kinds = [
    {'model': 'stg_department__license', 'values': {
        'record_kind': "'license'", 'record_key': "decision_doc_no || '@' || coalesce(authority_uscc, authority)", 'doc_no': 'decision_doc_no',
        'subject_name': 'subject_name', 'subject_category': 'subject_category', 'uscc': 'uscc', 'org_code': 'org_code',
        'legacy_reg_nos': legacy_codes, 'person_key': 'person_key', 'id_no_masked': 'person_id_no_masked',
        'event_date': 'decision_date', 'version_date': 'reported_on', 'valid_from': 'valid_from', 'valid_to': 'valid_to',
        'authority': 'authority'}},
    {'model': 'stg_department__penalty', 'values': {
        'record_kind': "'penalty'", 'record_key': "decision_doc_no || '@' || coalesce(authority_uscc, authority)", 'doc_no': 'decision_doc_no',
        'subject_name': 'subject_name', 'subject_category': 'subject_category', 'uscc': 'uscc', 'org_code': 'org_code',
        'legacy_reg_nos': legacy_codes, 'person_key': 'person_key', 'id_no_masked': 'person_id_no_masked',
        'event_date': 'decision_date', 'version_date': 'reported_on', 'valid_to': 'valid_until',
        'publicity_until_reported': 'publicity_until_reported', 'severity': 'severity',
        'fine_amount_10k_yuan': 'fine_amount_10k_yuan', 'authority': 'authority'}},
    {'model': 'stg_department__redlist', 'values': {
        'record_kind': "'redlist'", 'record_key': "recognition_doc_no || '@' || coalesce(uscc, left(person_key, 16))", 'doc_no': 'recognition_doc_no',
        'subject_name': 'subject_name', 'subject_category': 'subject_category', 'uscc': 'uscc',
        'person_key': 'person_key', 'id_no_masked': 'person_id_no_masked',
        'event_date': 'recognised_on', 'version_date': 'reported_on', 'valid_from': 'recognised_on',
        'valid_to': 'valid_to', 'authority': 'recognising_unit'}},
    {'model': 'stg_department__blacklist', 'values': {
        'record_kind': "'blacklist'", 'record_key': "listing_doc_no || '@' || coalesce(uscc, left(person_key, 16))", 'doc_no': 'listing_doc_no',
        'subject_name': 'subject_name', 'subject_category': 'subject_category', 'uscc': 'uscc',
        'person_key': 'person_key', 'id_no_masked': 'person_id_no_masked',
        'event_date': 'listed_on', 'version_date': 'reported_on', 'valid_from': 'listed_on',
        'publicity_until_reported': 'publicity_until_reported', 'removed_on': 'removed_on',
        'removal_reason': 'removal_reason', 'list_type_code': 'list_type_code', 'authority': 'listing_authority'}},
    {'model': 'stg_department__commitment', 'values': {
        'record_kind': "'commitment'", 'record_key': "uscc || '@' || coalesce(commitment_type, '') || '@' || committed_on || '@' || md5(coalesce(matter, ''))",
        'subject_name': 'subject_name', 'subject_category': "'legal_person'", 'uscc': 'uscc',
        'event_date': 'committed_on', 'version_date': 'reported_on', 'valid_from': 'committed_on',
        'authority': 'accepting_unit'}},
    {'model': 'stg_utility__water', 'where': 'not coalesce(is_residential, false)', 'values': {
        'record_kind': "'utility_arrears'", 'record_key': "'water:' || coalesce(account_no, bill_no)",
        'subject_name': 'account_name', 'subject_category': "'legal_person'", 'uscc': 'uscc',
        'event_date': 'billing_month', 'version_date': 'billing_month',
        'arrears_amount_yuan': 'arrears_amount_yuan', 'arrears_periods': 'arrears_periods',
        'authority': "'water'", 'division_code': 'division_code'}},
    {'model': 'stg_utility__power', 'values': {
        'record_kind': "'utility_arrears'", 'record_key': "'power:' || account_no || ':' || coalesce(adverse_event, '欠费')",
        'subject_name': 'account_name', 'subject_category': "'legal_person'", 'uscc': 'uscc',
        'event_date': 'billing_month', 'version_date': 'billing_month',
        'arrears_amount_yuan': "coalesce(arrears_amount_yuan, 0) + coalesce(theft_amount_yuan, 0)",
        'arrears_periods': 'arrears_months', 'authority': "'power'", 'division_code': 'division_code'}},
    {'model': 'stg_utility__gas', 'values': {
        'record_kind': "'utility_arrears'", 'record_key': "'gas:' || coalesce(gas_cert_no, meter_no)",
        'subject_name': 'account_name', 'subject_category': "'legal_person'", 'uscc': 'uscc',
        'event_date': 'billing_month', 'version_date': 'billing_month',
        'arrears_amount_yuan': 'arrears_amount_yuan', 'arrears_periods': 'arrears_periods', 'authority': "'gas'"}},
    {'model': 'stg_utility__logistics', 'values': {
        'record_kind': "'logistics_rating'", 'record_key': "'logistics:' || uscc",
        'subject_name': 'company_name', 'subject_category': "'legal_person'", 'uscc': 'uscc',
        'event_date': 'make_date(rating_year, 1, 1)', 'version_date': 'make_date(rating_year, 1, 1)',
        'authority': "'logistics'"}},
    {'model': 'stg_court__dishonest_debtor', 'values': {
        'record_kind': "'court'", 'record_key': "'dishonest_debtor:' || case_no || '@' || " ~ org_identifier, 'doc_no': 'case_no',
        'subject_name': 'debtor_name',
        'subject_category': "case when party_kind = 'natural_person' then 'natural_person' else 'legal_person' end",
        'uscc': 'uscc', 'org_code': 'org_code', 'person_key': 'person_key', 'id_no_masked': 'id_no_masked',
        'event_date': 'coalesce(published_on, filed_on)', 'version_date': 'reported_on', 'valid_from': 'published_on',
        'removed_on': "case when " ~ listing_ended_by_court ~ " then reported_on end",
        'removal_reason': "case when " ~ listing_ended_by_court ~ " then performance end",
        'list_type_code': '1', 'authority': 'court'}},
    {'model': 'stg_court__consumption_restriction', 'values': {
        'record_kind': "'court'", 'record_key': "'consumption_restriction:' || case_no || '@' || " ~ org_identifier, 'doc_no': 'case_no',
        'subject_name': 'restricted_name',
        'subject_category': "case when party_kind = 'natural_person' then 'natural_person' else 'legal_person' end",
        'uscc': 'uscc', 'org_code': 'org_code', 'person_key': 'person_key', 'id_no_masked': 'id_no_masked',
        'event_date': 'coalesce(published_on, filed_on)', 'version_date': 'reported_on', 'valid_from': 'published_on',
        'authority': 'court'}},
] %}

with reports as (
    {%- for kind in kinds %}
        select
            {%- for column, column_type in common %}
                {%- set expression = kind['values'].get(column, 'staged.' ~ column if column == 'source_feed' else 'null') %}
                ({{ expression }})::{{ column_type }} as {{ column }},
            {%- endfor %}
            to_jsonb(staged) - 'batch_id' - 'row_number' - 'loaded_at' - 'reported_on' - 'source_feed' as details,
            staged.reported_on,
            staged.batch_id,
            staged.row_number,
            staged.loaded_at,
            -- the dbt invocation that appended the row: a night's personal-data test scans only its own rows
            '{{ invocation_id }}'::text as appended_by_invocation,
            -- and when: int_credit_record__current takes up the reports appended since its last build
            now() as appended_at
        from {{ ref(kind['model']) }} as staged
        where
            {{ kind.get('where', 'true') }}  -- noqa: LT02
            {%- if is_incremental() %}
                -- a list of batch ids, not a join: PostgreSQL pushes it down to the raw table's batch index,
                -- so a night reads its new batches' rows, not every staged row
                and staged.batch_id = any(array(
                    select batch.batch_id
                    from {{ source('ops', 'load_batch') }} as batch
                    where
                        batch.status = 'accepted'
                        and not exists (
                            select 1 from {{ this }} as seen
                            where seen.batch_id = batch.batch_id
                        )
                ))
            {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    *,
    -- checked once, as the row comes: the current-record model reads it for every record every night
    util.uscc_is_valid(uscc) as has_valid_uscc
from reports
where record_key is not null
