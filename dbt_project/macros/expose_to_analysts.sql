{#
    Analysts read the marts through views only: after each mart is built, this post-hook (set for the
    marts folder in dbt_project.yml) puts a view of it into schema analytics (made in
    plugins/credit_warehouse/warehouse/sql/080_access.sql) and grants it to the analyst role, who has
    no access to the marts tables themselves.

    A mart with a disclosure_class column shows only the rows of classes the seed disclosure_class marks
    analyst_visible, so no authorised-class (授权查询) row is in its view: those
    come one subject at a time from the audited function analytics.authorised_credit_records. Columns a
    mart lists in meta.authorised_columns (a subject's arrears, its logistics rating) are left out of
    the view likewise; analytics.credit_archive_of returns them, audited.

    The mart's description and column descriptions become the view's comments, so an analyst's \d+ in
    psql (or any SQL client) shows the manual on the object they actually read.

    The view is dropped and made again rather than replaced: a rebuilt mart may have lost or reordered
    columns, which `create or replace view` refuses. Within dbt's transaction this happens before the
    old table is dropped, so the old view never outlives it and analysts never see a half-built state.
#}
{% macro expose_to_analysts() -%}
    {%- set view = api.Relation.create(
        database=this.database, schema='analytics', identifier=this.identifier, type='view'
    ) -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list if execute else [] -%}
    {%- set hidden = (model.config.meta or {}).authorised_columns or [] -%}
    drop view if exists {{ view }};
    create view {{ view }} with (security_barrier) as
    select
    {%- for column in columns if column not in hidden %}
        {{ adapter.quote(column) }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ this }}
    {%- if 'disclosure_class' in columns %}
        where disclosure_class in (
            select visible.disclosure_class_code
            from {{ api.Relation.create(database=this.database, schema='ref', identifier='disclosure_class') }} as visible
            where visible.analyst_visible
        )
    {%- endif %};
    {%- if model.description %};
    comment on view {{ view }} is {{ dbt.string_literal(dbt.escape_single_quotes(model.description | trim)) }}
    {%- endif %}
    {%- for column in columns if column not in hidden and (model.columns.get(column) or {}).get('description') %};
    comment on column {{ view }}.{{ adapter.quote(column) }} is {{ dbt.string_literal(dbt.escape_single_quotes(model.columns[column].description | trim)) }}
    {%- endfor %};
    grant select on {{ view }} to analyst
{%- endmacro %}
