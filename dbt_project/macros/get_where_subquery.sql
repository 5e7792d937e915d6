{#
    dbt's test `where` config (dbt_project.yml: the nightly build tests the staging rows of the night's
    deliveries), as dbt applies it, except to no_full_resident_id: that test reads its model's columns, so it
    needs the relation itself, and it takes the night's rows by its own new_rows argument.
    `offset 0` keeps the subquery whole: PostgreSQL would otherwise push the test's own condition (a function of
    a staging view's computed columns) down to the scan of every raw row, before the join that picks the night.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and (model.test_metadata or {}).get('name') != 'no_full_resident_id' -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }} offset 0) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
