{# Every row of the model satisfies a SQL condition (a small stand-in for dbt_utils' test, offline). #}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
