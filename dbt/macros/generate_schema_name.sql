{#- Models land in the schema they name (staging, intermediate, marts), not "<target>_<name>":
    the API and the snapshot publisher read `marts.*` by that name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
