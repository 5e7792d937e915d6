{# A Unified Social Credit Code column holds only valid codes (GB 32100, util.uscc_is_valid). #}
{% test valid_uscc(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} is not null
        and not util.uscc_is_valid({{ column_name }})
{% endtest %}
