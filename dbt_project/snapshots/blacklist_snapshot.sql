{% snapshot blacklist_snapshot %}
    {{
        config(
            unique_key='record_id',
            strategy='check',
            check_cols=['status', 'list_type_code', 'valid_from', 'ended_on', 'publicity_until'],
            hard_deletes='invalidate',
        )
    }}
    -- Every listing of the 14 types (department black lists and the courts' dishonest debtors) in
    -- every status: a repair or an expiry adds a version, so when a subject entered and left a list
    -- survives the nightly rebuild of the marts.
    select
        record_id,
        record_kind,
        record_key,
        subject_key,
        subject_name,
        id_no_masked,
        list_type_code,
        doc_no as listing_doc_no,
        valid_from,
        publicity_until,
        status,
        ended_on,
        correction_id
    from {{ ref('fct_credit_record') }}
    where list_type_code is not null
{% endsnapshot %}
