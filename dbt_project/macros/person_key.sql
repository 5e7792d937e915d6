{#
    Natural persons. On load every checksum-valid resident-ID number went to the vault and a token
    "<masked>#<person key>" took its place (plugins/credit_warehouse/security/vault.py): the person key
    is an HMAC of the number made by the loader, so no secret and no full number ever reaches dbt.
#}
{% macro person_key(column) -%}
    util.vault_person_key({{ column }})
{%- endmacro %}

{# what may be shown of a resident-ID number: first 6 and last 4 characters #}
{% macro masked_id(column) -%}
    coalesce(util.vault_masked_id({{ column }}), util.mask_resident_id(util.normalize_code({{ column }})))
{%- endmacro %}

{# court feeds publish persons already masked: a plain hash of that public text keys them #}
{% macro masked_person_key(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}
