-- Identifier checks and cleaning, written once here and used by the Great Expectations gates
-- (through SQL) and by the dbt models alike. The Python twins in credit_warehouse.identifiers
-- exist only to generate and to mask; tests hold both to the published algorithms.
set check_function_bodies = off;

-- full-width to half-width, trimmed, upper-cased, spaces and hyphens removed: how codes are compared.
-- translate() compares each character with its whole list, so it runs only on text with a full-width
-- character (5.5 us a Chinese name otherwise, 1.2 us with the test). plpgsql, not sql: a sql function
-- reading its argument twice is no longer inlined when the argument is an expression, and then runs
-- through the sql-function executor at about 20 us a call.
create or replace function util.normalize_code(value text) returns text
language plpgsql immutable parallel safe as $$
begin
    return nullif(upper(regexp_replace(
        case when value ~ '[０-９Ａ-Ｚａ-ｚ－＊　]' then translate(value,
                '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－＊　',
                '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-* ')
             else value end,
        '[\s\-]', '', 'g')), '');
end
$$;

-- The check characters below are one weighted sum written out: a loop would cost a statement per
-- character, and these run on every row a gate checks.

-- GB 11714 organisation code: 8 characters, then a check character
create or replace function util.org_code_is_valid(code text) returns boolean
language plpgsql immutable parallel safe as $$
declare
    b bytea;
    total int;
begin
    if code is null or code !~ '^[0-9A-Z]{8}[0-9X]$' then
        return false;
    end if;
    -- ASCII once the shape is checked: byte i is character i + 1; digits count 0-9, letters 10 on (A)
    b := convert_to(code, 'UTF8');
    total := (
            (get_byte(b, 0) - case when get_byte(b, 0) <= 57 then 48 else 55 end) * 3
          + (get_byte(b, 1) - case when get_byte(b, 1) <= 57 then 48 else 55 end) * 7
          + (get_byte(b, 2) - case when get_byte(b, 2) <= 57 then 48 else 55 end) * 9
          + (get_byte(b, 3) - case when get_byte(b, 3) <= 57 then 48 else 55 end) * 10
          + (get_byte(b, 4) - case when get_byte(b, 4) <= 57 then 48 else 55 end) * 5
          + (get_byte(b, 5) - case when get_byte(b, 5) <= 57 then 48 else 55 end) * 8
          + (get_byte(b, 6) - case when get_byte(b, 6) <= 57 then 48 else 55 end) * 4
          + (get_byte(b, 7) - case when get_byte(b, 7) <= 57 then 48 else 55 end) * 2
    );
    -- 11 - total mod 11, where 10 is written X and 11 is written 0
    return substr('123456789X0', 11 - total % 11, 1) = substr(code, 9, 1);
end
$$;

-- GB 32100 Unified Social Credit Code: its own check character and its embedded organisation code.
-- Once the shape is checked the code is ASCII: its bytes are read directly (get_byte is cheaper than
-- substr and strpos per character, and this runs on every row of every batch with a USCC).
create or replace function util.uscc_is_valid(code text) returns boolean
language plpgsql immutable parallel safe as $$
declare
    -- the value of each ASCII character in the alphabet 0123456789ABCDEFGHJKLMNPQRTUWXY, at its byte
    alphabet constant bytea := '\x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000010203040506070809000000000000000a0b0c0d0e0f101100121314151600171819001a1b001c1d1e0000000000000000000000000000000000000000000000000000000000000000000000000000';
    b bytea;
    total int;
begin
    -- the first two characters, registration authority and organisation type, must be a pair GB 32100
    -- defines (ref.uscc_subject_type); then the area code and 10 characters of the alphabet
    if code is null or code !~ '^(1[1239]|2[19]|3[1-59]|4[19]|5[1239]|6[129]|7[129]|8[19]|9[123]|A[19]|N[1239]|Y1)[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$' then
        return false;
    end if;
    b := convert_to(code, 'UTF8');
    total := (
            get_byte(alphabet, get_byte(b, 0)) * 1
          + get_byte(alphabet, get_byte(b, 1)) * 3
          + get_byte(alphabet, get_byte(b, 2)) * 9
          + get_byte(alphabet, get_byte(b, 3)) * 27
          + get_byte(alphabet, get_byte(b, 4)) * 19
          + get_byte(alphabet, get_byte(b, 5)) * 26
          + get_byte(alphabet, get_byte(b, 6)) * 16
          + get_byte(alphabet, get_byte(b, 7)) * 17
          + get_byte(alphabet, get_byte(b, 8)) * 20
          + get_byte(alphabet, get_byte(b, 9)) * 29
          + get_byte(alphabet, get_byte(b, 10)) * 25
          + get_byte(alphabet, get_byte(b, 11)) * 13
          + get_byte(alphabet, get_byte(b, 12)) * 8
          + get_byte(alphabet, get_byte(b, 13)) * 24
          + get_byte(alphabet, get_byte(b, 14)) * 10
          + get_byte(alphabet, get_byte(b, 15)) * 30
          + get_byte(alphabet, get_byte(b, 16)) * 28
    );
    if get_byte(alphabet, get_byte(b, 17)) <> (31 - total % 31) % 31 then
        return false;
    end if;
    return util.org_code_is_valid(substr(code, 9, 9));
end
$$;

-- GB 11643 resident ID: 17 digits with a real birth date, then the check character. The date's parts are
-- range-checked, not cast in an exception block (a handler costs a subtransaction per call).
create or replace function util.resident_id_is_valid(id_no text) returns boolean
language plpgsql immutable parallel safe as $$
declare
    born_year int;
    born_month int;
    born_day int;
    total int;
begin
    if id_no is null or id_no !~ '^[1-9][0-9]{16}[0-9X]$' then
        return false;
    end if;
    born_year := substr(id_no, 7, 4)::int;
    born_month := substr(id_no, 11, 2)::int;
    born_day := substr(id_no, 13, 2)::int;
    if born_year < 1900 or born_month not between 1 and 12 or born_day < 1
       or born_day > extract(day from make_date(born_year, born_month, 1) + interval '1 month - 1 day') then
        return false;
    end if;
    total := (
            (ascii(substr(id_no, 1, 1)) - 48) * 7
          + (ascii(substr(id_no, 2, 1)) - 48) * 9
          + (ascii(substr(id_no, 3, 1)) - 48) * 10
          + (ascii(substr(id_no, 4, 1)) - 48) * 5
          + (ascii(substr(id_no, 5, 1)) - 48) * 8
          + (ascii(substr(id_no, 6, 1)) - 48) * 4
          + (ascii(substr(id_no, 7, 1)) - 48) * 2
          + (ascii(substr(id_no, 8, 1)) - 48) * 1
          + (ascii(substr(id_no, 9, 1)) - 48) * 6
          + (ascii(substr(id_no, 10, 1)) - 48) * 3
          + (ascii(substr(id_no, 11, 1)) - 48) * 7
          + (ascii(substr(id_no, 12, 1)) - 48) * 9
          + (ascii(substr(id_no, 13, 1)) - 48) * 10
          + (ascii(substr(id_no, 14, 1)) - 48) * 5
          + (ascii(substr(id_no, 15, 1)) - 48) * 8
          + (ascii(substr(id_no, 16, 1)) - 48) * 4
          + (ascii(substr(id_no, 17, 1)) - 48) * 2
    );
    return substr('10X98765432', (total % 11) + 1, 1) = substr(id_no, 18, 1);
end
$$;

-- a resident ID valid on a date: its holder was born by then (a delivery cannot name a person born after it)
create or replace function util.resident_id_is_valid(id_no text, as_of date) returns boolean
language sql immutable parallel safe as $$
    select util.resident_id_is_valid(id_no) and to_date(substr(id_no, 7, 8), 'YYYYMMDD') <= as_of
$$;

-- Full-width digits, Ｘ, hyphen and space folded to their ASCII forms. Most text has none, and translate()
-- is costly on long multibyte text (a JSON record), so it runs only where one is present.
create or replace function util.fold_full_width_digits(value text) returns text
language sql immutable parallel safe as $$
    select case when value ~ '[０-９Ｘｘ－　]' then translate(value, '０１２３４５６７８９Ｘｘ－　', '0123456789Xx- ')
                else value end
$$;

-- Could the text hold a resident-ID number: 18 digits (the last may be X), full-width or not, one space or
-- hyphen allowed between them. A necessary condition of util.resident_ids_in, one plain regular expression
-- (no lookaround, no folding) that most text fails at once; the exact detector runs only where it holds.
-- The same expression as identifiers.RESIDENT_ID_SHAPED_SQL (the scanner's, which also reads Airflow's
-- database, where util is not); a test holds them equal.
create or replace function util.may_hold_resident_id(value text) returns boolean
language sql immutable parallel safe as $$
    select value ~ '[1-9１-９]([ 　－-]?[0-9０-９]){16}[ 　－-]?[0-9０-９XxＸｘ]'
$$;

-- Resident-ID numbers as people write them in free text; the twin of identifiers.resident_ids_in, tested on
-- the same vectors: full-width digits folded, one space or hyphen allowed between characters, letters glued
-- on either side, not inside a longer run of digits. A candidate counts when it is valid (check character,
-- a birth date by today) and its first two digits are a province (GB/T 2260, and 81-83 for the residence
-- permits of Hong Kong, Macao and Taiwan residents): an all-digit code that merely passes the checksum is not one.
create or replace function util.resident_ids_in(value text) returns setof text
language sql stable parallel safe as $$
    select distinct candidate.id_no
    from regexp_matches(
        util.fold_full_width_digits(value),
        '(?<![0-9])[1-9](?:[ -]?[0-9]){16}[ -]?[0-9Xx](?![0-9])', 'g'
    ) as found (parts)
    cross join lateral (select upper(translate(found.parts[1], ' -', '')) as id_no) as candidate
    where
        util.may_hold_resident_id(value)
        and util.resident_id_is_valid(candidate.id_no, current_date)
        and substr(candidate.id_no, 1, 2) = any(string_to_array(
            '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83',
            ' '
        ))
$$;

-- the text with every resident-ID number in it masked (first 6 and last 4), full-width digits folded:
-- what a quarantine reason or a report may show of free text
create or replace function util.mask_personal_data(value text) returns text
language plpgsql stable parallel safe as $$
declare
    folded text := util.fold_full_width_digits(value);
    written text;
    id_no text;
begin
    for written in
        select found.parts[1]
        from regexp_matches(folded, '(?<![0-9])[1-9](?:[ -]?[0-9]){16}[ -]?[0-9Xx](?![0-9])', 'g') as found (parts)
    loop
        id_no := upper(translate(written, ' -', ''));
        if exists (select 1 from util.resident_ids_in(id_no)) then
            folded := replace(folded, written, util.mask_resident_id(id_no));
        end if;
    end loop;
    return folded;
end
$$;

-- court feeds publish person IDs already masked, e.g. 3423011964****3224
create or replace function util.resident_id_is_masked(id_no text) returns boolean
language sql immutable parallel safe as $$
    select id_no ~ '^[0-9]{6,10}\*{4,8}[0-9]{3}[0-9X]$'
$$;

-- a person's name as names are compared when linking records of one person: NFKC (full-width letters and
-- spaces folded), without any white space (王 小明 = 王小明)
create or replace function util.person_name(name text) returns text
language sql immutable parallel safe as $$
    select nullif(regexp_replace(normalize(name, nfkc), '\s+', '', 'g'), '')
$$;

-- what may be shown of a resident ID: first 6 and last 4 characters
create or replace function util.mask_resident_id(id_no text) returns text
language sql immutable parallel safe as $$
    select case when id_no is null then null
                when length(id_no) <= 10 then repeat('*', length(id_no))
                else left(id_no, 6) || repeat('*', length(id_no) - 10) || right(id_no, 4) end
$$;

-- 暂无 / 无 / "/" / blanks mean missing
create or replace function util.null_if_placeholder(value text) returns text
language sql immutable parallel safe as $$
    select case when btrim(value, E' \t\u3000') in ('', '暂无', '无', '/', '-', '－', 'null', 'NULL')
                then null else btrim(value, E' \t\u3000') end
$$;

-- dates arrive as 20190709, 2019-07-13, 2019/7/13, 2014年11月28日 or 2019.07.13; anything else is null.
-- No exception block (a handler costs a subtransaction per row): the parts are range-checked first.
create or replace function util.parse_cn_date(value text) returns date
language plpgsql immutable parallel safe as $$
declare
    cleaned text := util.null_if_placeholder(case when value ~ '[０-９－／．]'
        then translate(value, '０１２３４５６７８９－／．', '0123456789-/.') else value end);
    parts int[];
begin
    if cleaned is null then
        return null;
    end if;
    if cleaned ~ '^\d{8}$' then
        parts := array[substr(cleaned, 1, 4), substr(cleaned, 5, 2), substr(cleaned, 7, 2)]::int[];
    else
        parts := (regexp_match(
            cleaned, '^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$'
        ))::int[];
    end if;
    if parts is null or parts[1] < 1 or parts[2] not between 1 and 12 or parts[3] < 1
       or parts[3] > extract(day from make_date(parts[1], parts[2], 1) + interval '1 month - 1 day') then
        return null;
    end if;
    return make_date(parts[1], parts[2], parts[3]);
end
$$;

-- China's official working days: weekdays that are not public holidays, plus adjusted working
-- weekends (调休). Reads the calendar seed ref.cn_working_calendar, so it is not immutable.
create or replace function util.working_days_between(from_date date, to_date date) returns int
language sql stable parallel safe as $$
    select count(*)::int
    from ref.cn_working_calendar
    where calendar_date > from_date and calendar_date <= to_date and is_working_day
$$;

-- 法定排除事项: the matter (ref.legal_exclusion) a text names, or null; matched by meaning, not keyword
-- every matter's pattern in one alternation: a text matches it exactly when legal_exclusion_matter names a
-- matter (a test holds them equal), so a gate reads it once per batch and looks the matter up only on a match
create or replace function util.legal_exclusion_pattern() returns text
language sql stable parallel safe as $$
    select string_agg('(?:' || x.pattern || ')', '|' order by x.matter_code) from ref.legal_exclusion as x
$$;

create or replace function util.legal_exclusion_matter(value text) returns text
language sql stable parallel safe as $$
    select x.matter_code from ref.legal_exclusion as x
    where value ~ x.pattern
    order by x.matter_code
    limit 1
$$;

-- 处罚类别 as codes: one or several categories, each a code (1, 01, ０２) or a name or alias from
-- ref.penalty_category, separated by any of , ， ; ； 、 / | or blanks. Names are replaced first, longest
-- first, so a name holding a separator (法律、行政法规规定的其他行政处罚) stays one category. A part that is
-- neither stays as sent, for the gate to name. The one splitting rule of gate and staging.
create or replace function util.penalty_category_codes(value text) returns text[]
language plpgsql stable parallel safe as $$
declare
    cleaned text := util.null_if_placeholder(translate(value, '０１２３４５６７８９', '0123456789'));
    category record;
begin
    if cleaned is null then
        return null;
    end if;
    -- codes only, the common case: no names to replace (none holds a digit), so no query of the aliases
    if cleaned ~ '^[0-9]{1,2}([,，;；、/|[:space:]]+[0-9]{1,2})*$' then
        return string_to_array(regexp_replace(regexp_replace(cleaned, '[,，;；、/|[:space:]]+', ',', 'g'),
                                              '(^|,)([0-9])(?=,|$)', '\10\2', 'g'), ',');
    end if;
    for category in
        select c.category_code, alias.name
        from ref.penalty_category as c
        cross join lateral unnest(array[c.category_name] || string_to_array(nullif(c.aliases, ''), '|')) as alias (name)
        order by length(alias.name) desc
    loop
        cleaned := replace(cleaned, category.name, ',' || category.category_code || ',');
    end loop;
    return array(
        select case when part.code ~ '^[0-9]{1,2}$' then lpad(part.code, 2, '0') else part.code end
        from regexp_split_to_table(cleaned, '[,，;；、/|[:space:]]+') with ordinality as part (code, position)
        where part.code <> ''
        order by part.position
    );
end
$$;

-- the fine a penalty text states in yuan (罚款人民币2000元, 罚款2,000元, 罚款0.2万元), when it states exactly one
create or replace function util.fine_yuan_stated(value text) returns numeric
language plpgsql immutable parallel safe as $$
declare
    pattern constant text := '罚款(?:人民币)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万?)元';
    folded text;
    found text[];
begin
    -- most texts state no fine at all: the costly folding and matching run only on those that may
    if value is null or strpos(value, '罚款') = 0 then
        return null;
    end if;
    folded := case when value ~ '[０-９．，]' then translate(value, '０１２３４５６７８９．，', '0123456789.,')
                   else value end;
    if regexp_count(folded, pattern) <> 1 then
        return null;
    end if;
    found := regexp_match(folded, pattern);
    return replace(found[1], ',', '')::numeric * case when found[2] = '万' then 10000 else 1 end;
end
$$;

-- how many USCCs embed an organisation code (characters 9-17): those known from accepted batches
-- (ops.known_uscc) and those the batch being gated carries itself
create or replace function util.usccs_embedding(org_code text, feed text, batch_id bigint) returns bigint
language plpgsql stable as $$
declare
    found bigint;
begin
    execute format(
        'select count(*) from (select k.uscc from ops.known_uscc as k where k.org_code = $1 '
        'union select util.normalize_code(b.uscc) from raw.%I as b where b._batch_id = $2 '
        'and util.uscc_is_valid(util.normalize_code(b.uscc)) and substr(util.normalize_code(b.uscc), 9, 9) = $1) as c',
        feed
    ) into found using org_code, batch_id;
    return found;
end
$$;

grant execute on all functions in schema util to loader, transformer, analyst, publisher;
