{#
    The incremental models of the night (int_credit_record__current, fct_credit_record,
    fct_blacklist_listing and publish_national_record by record; int_credit_subject__resolved,
    dim_credit_subject, fct_joint_measure_applicable and dim_credit_archive by subject;
    int_credit_subject__identifiers by code; int_credit_correction__latest, int_joint_measure_feedback__latest
    and fct_joint_measure_feedback by application or case) compute only what may have changed since their
    last build, which ops.model_build remembers per model: the night it was built as of, when (its
    transaction's start) and what it could see (its snapshot: the batches gated after it).

    previous_build() gives {as_of, built_at, seen_snapshot} as SQL literals, or none, and then the model
    computes every record: on a first or --full-refresh build, when the night went back (a backfill must see
    that night, not tomorrow's), or when the model's code or the code of a model or seed it reads changed
    since (the fingerprint). record_build() is the model's last post-hook: the row changes in the model's own
    transaction, so a failed build leaves the row of the last good one.
#}
{% macro previous_build() %}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query(
        "select as_of::text, built_at::text, fingerprint, as_of <= " ~ as_of_date() ~ " as forward,"
        ~ " seen_snapshot::text from ops.model_build where model = '" ~ this.identifier ~ "'") -%}
    {%- if found.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set last = found.rows[0] -%}
    {#- no snapshot: built before the warehouse kept one -#}
    {%- if last[2] != build_fingerprint() or not last[3] or last[4] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return({'as_of': "date '" ~ last[0] ~ "'", 'built_at': "timestamptz '" ~ last[1] ~ "'",
               'seen_snapshot': "pg_snapshot '" ~ last[4] ~ "'"}) }}
{% endmacro %}

{# Pre-hook of every model (dbt_project.yml), before the model's own: an incremental model keeps, for the length
   of its transaction, the snapshot of what it could see before its statements ran; record_build stores it. A
   batch whose gate committed after it is new to the next build (macro batches_since). #}
{% macro remember_snapshot() %}
    {%- if config.get('materialized') == 'incremental' %}
        select set_config('credit_warehouse.seen_snapshot', pg_current_snapshot()::text, true)
    {%- endif %}
{% endmacro %}

{% macro build_fingerprint() %}
    {%- set parts = [model.raw_code] -%}
    {#- the models and seeds it reads (a source has no code) -#}
    {%- for node_id in model.depends_on.nodes | sort if node_id in graph.nodes -%}
        {%- do parts.append(node_id ~ ':' ~ graph.nodes[node_id].checksum.checksum) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))) }}
{% endmacro %}

{% macro record_build() %}
    insert into ops.model_build (model, as_of, built_at, fingerprint, seen_snapshot)
    values (
        '{{ this.identifier }}', {{ as_of_date() }}, now(), '{{ build_fingerprint() }}',
        current_setting('credit_warehouse.seen_snapshot')::pg_snapshot
    )
    on conflict (model) do update
    set
        as_of = excluded.as_of, built_at = excluded.built_at, fingerprint = excluded.fingerprint,
        seen_snapshot = excluded.seen_snapshot
{% endmacro %}

{# Post-hook of a model that kept rows of later nights: on a build that computed everything (a backfill, changed
   code), drop the rows the night does not have yet, those `column` (the first night they were reported) puts
   after it. #}
{% macro delete_rows_after_night(column) %}
    {%- if is_incremental() and previous_build() is none %}
        delete from {{ this }} where {{ column }} > {{ as_of_date() }}
    {%- endif %}
{% endmacro %}

{# The accepted batches of `feed` a night sees that the last build (`previous`) did not: those whose gate's
   transaction its snapshot does not show (committed after it began, whenever the gate itself began), or of nights
   after its night (it was a backfill). A list of batch ids, to be read as `= any(array(...))`: PostgreSQL then
   pushes it down to the raw table's batch index. #}
{% macro batches_since(previous, feed) %}
    select batch.batch_id
    from {{ source('ops', 'load_batch') }} as batch
    where
        batch.feed = '{{ feed }}'
        and batch.status = 'accepted'
        and batch.logical_date <= {{ as_of_date() }}
        and (
            not pg_visible_in_snapshot(batch.gated_xid, {{ previous.seen_snapshot }})
            or batch.logical_date > {{ previous.as_of }}
        )
{% endmacro %}

{# The condition on int_credit_record__history that picks the reports the last build (`previous`) did not count:
   appended since it, or of nights after its night (it was a backfill: they were appended before it). #}
{% macro history_reports_since(previous) -%}
    (
        appended_at > {{ previous.built_at }}
        or batch_id = any(array(
            select batch.batch_id
            from {{ source('ops', 'load_batch') }} as batch
            where batch.logical_date > {{ previous.as_of }} and batch.logical_date <= {{ as_of_date() }}
        ))
    )
{%- endmacro %}

{# The records (record_id, record_kind, record_key) whose fct_credit_record row was rewritten, or whose current
   row was rebuilt (it may have lost its fct row), since `built_at`: what the models after fct take up. Read by
   record_id from fct_credit_record and its children (their index), by kind and key elsewhere. #}
{% macro records_changed_since(built_at) %}
    select
        rewritten.record_id,
        rewritten.record_kind,
        rewritten.record_key
    from {{ ref('fct_credit_record') }} as rewritten
    where rewritten.updated_at > {{ built_at }}
    union
    select
        rebuilt.record_kind || ':' || rebuilt.record_key,
        rebuilt.record_kind,
        rebuilt.record_key
    from {{ ref('int_credit_record__current') }} as rebuilt
    where rebuilt.rebuilt_at > {{ built_at }}
{% endmacro %}

{# Post-hook of a model computed over records_changed_since: drop the rows of those records that this
   invocation did not write again (they left the model); on a build that computed every record, every row it
   did not write. #}
{% macro delete_rows_not_rewritten() %}
    {%- if is_incremental() %}
        {%- set previous = previous_build() %}
        delete from {{ this }}
        where
            written_by_invocation <> '{{ invocation_id }}'
            {%- if previous %}
                and (record_kind, record_key) in (
                    select changed.record_kind, changed.record_key
                    from ({{ records_changed_since(previous.built_at) }}) as changed
                )
            {%- endif %}
    {%- endif %}
{% endmacro %}

{# The subjects whose records changed since `built_at`: the subjects a record rebuilt in int_credit_record__current
   names now and named before it moved (previous_subject_key); with `facts`, also the subject a record rewritten
   in fct_credit_record names (a model upstream of it leaves them out); with `triggered`, also the subjects of the
   calling model's rows that such a record triggered (trigger_record_id). What a model by subject takes up. #}
{% macro subjects_changed_since(built_at, triggered=false, facts=true) %}
    select unnest(array[rebuilt.subject_key, rebuilt.previous_subject_key]) as subject_key
    from {{ ref('int_credit_record__current') }} as rebuilt
    where rebuilt.rebuilt_at > {{ built_at }}
    {%- if facts %}
        union
        select rewritten.subject_key
        from {{ ref('fct_credit_record') }} as rewritten
        where rewritten.updated_at > {{ built_at }}
    {%- endif %}
    {%- if triggered %}
        union
        select triggered.subject_key
        from {{ this }} as triggered
        where triggered.trigger_record_id in (
            select changed.record_id from ({{ records_changed_since(built_at) }}) as changed
        )
    {%- endif %}
{% endmacro %}

{# Pre-hooks of a model incremental by subject: put in the temporary table changed_subject the subjects whose
   records changed since the last build (subjects_changed_since), or every subject of the model when the build
   computes everything, then delete their rows; the model inserts them again. A caller block adds the model's
   own subjects, given the last build: `{% call(previous) collect_changed_subjects() %} select ... {% endcall %}`. #}
{% macro collect_changed_subjects(triggered=false, facts=true) %}
    {%- if is_incremental() %}
        {%- set previous = previous_build() %}
        create temporary table changed_subject on commit drop as
        {%- if previous %}
            {{ subjects_changed_since(previous.built_at, triggered, facts) }}
            {%- if caller is defined %}
                union
                {{ caller(previous) }}
            {%- endif %}
        {%- else %}
            select distinct subject_key from {{ this }}
        {%- endif %}
    {%- endif %}
{% endmacro %}

{% macro delete_changed_subjects() %}
    {%- if is_incremental() %}
        delete from {{ this }} where subject_key in (select changed_subject.subject_key from changed_subject)
    {%- endif %}
{% endmacro %}

{# The latest report per `key` of a staging model whose reports are only ever added (an application, a case,
   reported again as it moves): on an incremental night, the latest of the reports of the batches of `feed` new
   since the last build and of the row the model kept for the same key; else the latest of every report. The
   model is incremental by `key` (delete+insert). #}
{% macro latest_reports(model, key, feed) %}
    {%- set previous = previous_build() %}
    with reports as (
        select *
        from {{ ref(model) }}
        where
            {{ key }} is not null  -- noqa: LT02
            {%- if previous %}
                and batch_id = any(array({{ batches_since(previous, feed) }}))
            {%- endif %}
    )
    {%- if previous %}
        {#- by name: a column the model gained later sits elsewhere in the table than in the view #}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='quoted') | join(', ') %}

        , reports_and_kept as (
            select {{ columns }} from reports
            union all
            select {{ columns }}
            from {{ this }} as kept
            where kept.{{ key }} in (select reports.{{ key }} from reports)
        )
    {%- endif %}

    select distinct on ({{ key }}) *
    from {{ 'reports_and_kept' if previous else 'reports' }}
    order by {{ key }} asc, reported_on desc, batch_id desc, row_number desc
{% endmacro %}
