{# Cleaning expressions shared by the staging models; the checks themselves live in util.* (SQL). #}

{# free text: trimmed, 暂无 / 无 / "/" / blanks to null #}
{% macro clean_text(column) -%}
    util.null_if_placeholder({{ column }})
{%- endmacro %}

{# codes: half-width, upper case, no spaces or hyphens #}
{% macro clean_code(column) -%}
    util.normalize_code(util.null_if_placeholder({{ column }}))
{%- endmacro %}

{# dates in every observed format; before 1949 (the 1900-01-01 placeholder) means missing #}
{% macro clean_date(column) -%}
    nullif(greatest(util.parse_cn_date({{ column }}), date '1949-01-01'), date '1949-01-01')
{%- endmacro %}

{# amounts: full-width digits, thousands separators and unit words removed; anything else is null #}
{% macro clean_amount(column) -%}
    (
        case
            when
                regexp_replace(translate({{ column }}, '０１２３４５６７８９．－', '0123456789.-'), '[\s,，元万]', '', 'g')
                ~ '^-?[0-9]+(\.[0-9]+)?$'
                then regexp_replace(
                    translate({{ column }}, '０１２３４５６７８９．－', '0123456789.-'), '[\s,，元万]', '', 'g'
                )::numeric
        end
    )
{%- endmacro %}

{# whole numbers (periods, counts, kWh) #}
{% macro clean_integer(column) -%}
    (case when util.normalize_code({{ column }}) ~ '^[0-9]{1,9}$' then util.normalize_code({{ column }})::integer end)
{%- endmacro %}

{# billing months: 202401, 2024-01, 2024/1, 2024年1月 -> first day of the month #}
{% macro clean_month(column) -%}
    (
        case
            when util.normalize_code({{ column }}) ~ '^[0-9]{6}$'
                then to_date(util.normalize_code({{ column }}), 'YYYYMM')
            when util.normalize_code({{ column }}) ~ '^[0-9]{4}[/.年][0-9]{1,2}月?$'
                then make_date(
                    substr(util.normalize_code({{ column }}), 1, 4)::integer,
                    (regexp_match(util.normalize_code({{ column }}), '^[0-9]{4}[/.年]([0-9]{1,2})'))[1]::integer,
                    1
                )
            else date_trunc('month', util.parse_cn_date({{ column }}))::date
        end
    )
{%- endmacro %}

{# document and case numbers compared across feeds: half-width brackets, no blanks #}
{% macro normalize_doc_no(column) -%}
    nullif(regexp_replace(translate(util.null_if_placeholder({{ column }}), '（）［］【】', '()[][]'), '\s', '', 'g'), '')
{%- endmacro %}

{# 行政相对人类别 -> legal_person | individual_business | natural_person #}
{% macro subject_category_code(column) -%}
    (
        case
            when util.null_if_placeholder({{ column }}) in ('法人及非法人组织', '法人', '非法人组织', '法人和非法人组织')
                then 'legal_person'
            when util.null_if_placeholder({{ column }}) = '个体工商户' then 'individual_business'
            when util.null_if_placeholder({{ column }}) = '自然人' then 'natural_person'
        end
    )
{%- endmacro %}
