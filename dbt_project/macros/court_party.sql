{#
    Who a court record is about, from its id_no: a USCC, a 9-character organisation code, or a person
    (a vault token, or an ID the court already published masked, which the name completes into a key).
    `code` is the cleaned id_no, `name` the party's name column. Emits five columns.
#}
{% macro court_party_columns(code, name) -%}
    case
        when util.uscc_is_valid({{ code }}) then 'legal_person'
        when util.org_code_is_valid({{ code }}) or {{ code }} ~ '^[0-9A-Z]{9}$' then 'organisation'
        when util.resident_id_is_masked({{ code }}) or util.is_vault_token({{ code }}) then 'natural_person'
    end as party_kind,
    case when util.uscc_is_valid({{ code }}) then {{ code }} end as uscc,
    case
        when util.uscc_is_valid({{ code }}) then substr({{ code }}, 9, 9)
        when {{ code }} ~ '^[0-9A-Z]{9}$' then {{ code }}
    end as org_code,
    case
        when util.is_vault_token({{ code }}) then {{ person_key(code) }}
        when util.resident_id_is_masked({{ code }})
            then {{ masked_person_key(code ~ " || '|' || coalesce(util.null_if_placeholder(" ~ name ~ "), '')") }}
    end as person_key,
    case
        when util.is_vault_token({{ code }}) then util.vault_masked_id({{ code }})
        when util.resident_id_is_masked({{ code }}) then {{ code }}
    end as id_no_masked
{%- endmacro %}
