{#
    What licensing and penalty staging share, written once: both national formats (current and 2016)
    map onto the same columns. The 2016 format names the authority without its USCC and sends no
    data-source unit: both are then the authority, whose USCC the directory of reporting units gives
    (seed reporting_unit). 当前状态 is mapped by the file's format (seed record_status), never guessed
    per value. `row` is the alias of the accepted raw rows.
#}

{# 行政相对人类别: sent in the current format; in the 2016 format, which sends no category, a USCC or
   organisation code makes a legal person (92: an individual business), an ID alone a natural person #}
{% macro double_publicity_subject_category(row) -%}
    (
        case
            when {{ row }}.source_layout <> 'gb2016' then {{ subject_category_code(row ~ '.subject_category') }}
            when {{ clean_code(row ~ '.uscc') }} like '92%' then 'individual_business'
            when coalesce(
                {{ clean_code(row ~ '.uscc') }}, {{ clean_code(row ~ '.org_code') }},
                {{ clean_code(row ~ '.business_reg_no') }}, {{ clean_code(row ~ '.tax_reg_no') }}
            ) is not null then 'legal_person'
            when {{ clean_code(row ~ '.person_id_no') }} is not null then 'natural_person'
        end
    )
{%- endmacro %}

{# the reporting columns: authority USCC, data-source unit and its USCC, and the status code #}
{% macro double_publicity_reporting_columns(row, status_column) -%}
    coalesce({{ clean_code(row ~ '.authority_uscc') }}, reporting_unit.authority_uscc) as authority_uscc,
    coalesce({{ clean_text(row ~ '.source_unit') }}, {{ clean_text(row ~ '.authority') }}) as source_unit,
    coalesce(
        {{ clean_code(row ~ '.source_unit_uscc') }},
        {{ clean_code(row ~ '.authority_uscc') }},
        reporting_unit.authority_uscc
    ) as source_unit_uscc,
    record_status.status_code as {{ status_column }},
    {{ clean_code(row ~ '.division_code') }} as division_code,
    {{ clean_date(row ~ '.source_updated_at') }} as source_updated_on
{%- endmacro %}

{# the joins those columns read #}
{% macro double_publicity_reporting_joins(row) -%}
    left join {{ ref('reporting_unit') }} as reporting_unit
        on {{ clean_text(row ~ '.authority') }} = reporting_unit.authority_name
    left join {{ ref('record_status') }} as record_status
        on
            {{ row }}.source_layout = record_status.layout
            and {{ clean_code(row ~ '.status') }} = record_status.status_sent
{%- endmacro %}
