{#
    The analysts' view of a mart (schema analytics), for the worked analyses: they run as the analyst
    role, who reads analytics and not marts. ref() keeps the mart as the analysis's dependency.
#}
{% macro analyst_view(mart_name) -%}
    {%- set mart = ref(mart_name) -%}
    {{ api.Relation.create(database=mart.database, schema='analytics', identifier=mart.identifier, type='view') }}
{%- endmacro %}
