import Testing

/// A named TOML document for parameterised tests.
struct CorpusDocument: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String

    init(_ name: String, _ text: String) {
        self.name = name
        self.text = text
    }

    var testDescription: String { name }
}

/// Documents checked against Python's tomllib. Cases where den deliberately differs from tomllib
/// (integers beyond 64 bits, year 0000) are kept out and tested on their own in TOMLValueTests.
enum OracleCorpus {
    static let valid: [CorpusDocument] = [
        CorpusDocument("empty", ""),
        CorpusDocument("only comments and blank lines", "# a comment\n\n   \t\n# another # with hashes\n"),
        CorpusDocument("crlf lines", "a = 1\r\nb = \"two\"\r\n[t]\r\nc = 3 # x\r\n"),
        CorpusDocument("no trailing newline", "a = 1"),
        CorpusDocument("keys", #"""
        bare_key = "value"
        bare-key = "value"
        1234 = "value"
        "127.0.0.1" = "value"
        "character encoding" = "value"
        "ʎǝʞ" = "value"
        'key2' = "value"
        'quoted "value"' = "value"
        "" = "blank"
        true = 1
        false = 2
        inf = 3
        nan = 4
        -_- = 5
        """#),
        CorpusDocument("dotted keys", #"""
        name = "Orange"
        physical.color = "orange"
        physical.shape = "round"
        site."google.com" = true
        fruit.name = "banana"     # this is best practice
        fruit. color = "yellow"    # same as fruit.color
        fruit . flavor = "banana"   # same as fruit.flavor
        3.14159 = "pi"
        """#),
        CorpusDocument("dotted keys out of order", #"""
        apple.type = "fruit"
        orange.type = "fruit"
        apple.skin = "thin"
        orange.skin = "thick"
        apple.color = "red"
        orange.color = "orange"
        """#),
        CorpusDocument("basic string escapes", #"""
        str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."
        all = "\b\t\n\f\r\"\\"
        unicode4 = "\u03B4 \u0000 \u007F \uFFFF"
        unicode8 = "\U0001F600 \U0010FFFF \U00000041"
        raw_tab = "a	b"
        c1 = "\u0085 "
        """#),
        CorpusDocument("multi-line basic strings", #"""
        str1 = """
        Roses are red
        Violets are blue"""
        str2 = """

        starts with a blank line"""
        str3 = """\
               The quick brown \
               fox jumps over \
               the lazy dog.\
               """
        str4 = """The quick brown \


          fox jumps over \
            the lazy dog."""
        str5 = """Here are two quotation marks: "". Simple enough."""
        str6 = """Here are three quotation marks: ""\"."""
        str7 = """Here are fifteen quotation marks: ""\"""\"""\"""\"""\"."""
        str8 = """"This," she said, "is just a pointless statement.""""
        str9 = """a\  
          b"""
        str10 = """x"""""
        str11 = """"""
        str12 = """tab	and \u0041 escape"""
        """#),
        CorpusDocument("multi-line basic string with crlf", "s = \"\"\"\r\nline one\r\nline two\\\r\n   joined\r\n\"\"\"\r\n"),
        CorpusDocument("literal strings", #"""
        winpath  = 'C:\Users\nodejs\templates'
        winpath2 = '\\ServerX\admin$\system32\'
        quoted   = 'Tom "Dubs" Preston-Werner'
        regex    = '<\i\c*\s*>'
        empty = ''
        """#),
        CorpusDocument("multi-line literal strings", #"""
        regex2 = '''I [dw]on't need \d{2} apples'''
        lines  = '''
        The first newline is
        trimmed in raw strings.
           All other whitespace
           is preserved.
        '''
        quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
        apos15 = "Here are fifteen apostrophes: '''''''''''''''"
        str = ''''That,' she said, 'is still pointless.''''
        two = '''x'''''
        """#),
        CorpusDocument("integers", #"""
        int1 = +99
        int2 = 42
        int3 = 0
        int4 = -17
        int5 = 1_000
        int6 = 5_349_221
        int7 = 53_49_221
        int8 = 1_2_3_4_5
        plus_zero = +0
        minus_zero = -0
        max = 9_223_372_036_854_775_807
        min = -9223372036854775808
        hex1 = 0xDEADBEEF
        hex2 = 0xdeadbeef
        hex3 = 0xdead_beef
        hex4 = 0x00ff
        hex5 = 0x7FFFFFFFFFFFFFFF
        oct1 = 0o01234567
        oct2 = 0o755
        bin1 = 0b11010110
        bin2 = 0b0000_0001
        """#),
        CorpusDocument("floats", #"""
        flt1 = +1.0
        flt2 = 3.1415
        flt3 = -0.01
        flt4 = 5e+22
        flt5 = 1e06
        flt6 = -2E-2
        flt7 = 6.626e-34
        flt8 = 224_617.445_991_228
        flt9 = 0.0
        flt10 = -0.0
        flt11 = +0.0
        flt12 = 0e0
        flt13 = 1e1_0
        flt14 = 1.7976931348623157e308
        flt15 = 5e-324
        flt16 = 1e400
        flt17 = 0.1
        flt18 = 123456789.123456789
        """#),
        CorpusDocument("special floats", #"""
        sf1 = inf
        sf2 = +inf
        sf3 = -inf
        sf4 = nan
        sf5 = +nan
        sf6 = -nan
        in_array = [inf, -inf, nan]
        """#),
        CorpusDocument("booleans", "bool1 = true\nbool2 = false\n"),
        CorpusDocument("offset date-times", #"""
        odt1 = 1979-05-27T07:32:00Z
        odt2 = 1979-05-27T00:32:00-07:00
        odt3 = 1979-05-27T00:32:00.999999-07:00
        odt4 = 1979-05-27 07:32:00Z
        odt5 = 1979-05-27t07:32:00z
        odt6 = 1979-05-27T07:32:00+05:30
        odt7 = 1979-05-27T07:32:00-00:00
        odt8 = 1979-05-27T07:32:00.5+23:59
        """#),
        CorpusDocument("local date-times", #"""
        ldt1 = 1979-05-27T07:32:00
        ldt2 = 1979-05-27T00:32:00.999999
        ldt3 = 1979-05-27 00:32:00.1
        ldt4 = 1979-05-27T00:32:00.123456789
        """#),
        CorpusDocument("local dates and times", #"""
        ld1 = 1979-05-27
        ld2 = 2000-02-29
        ld3 = 2024-02-29
        ld4 = 9999-12-31
        ld5 = 0001-01-01
        lt1 = 07:32:00
        lt2 = 00:32:00.999999
        lt3 = 23:59:59
        lt4 = 00:00:00.000001
        with_comment = 1979-05-27 # a date followed by a comment
        """#),
        CorpusDocument("date-times in arrays", "a = [1979-05-27, 07:32:00, 1979-05-27T07:32:00Z,1979-05-27 07:32:00 ]\n"),
        CorpusDocument("arrays", #"""
        integers = [ 1, 2, 3 ]
        colors = [ "red", "yellow", "green" ]
        nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]
        nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
        string_array = [ "all", 'strings', """are the same""", '''type''' ]
        numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
        contributors = [
          "Foo Bar <foo@example.com>",
          { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
        ]
        integers2 = [
          1, 2, 3
        ]
        integers3 = [
          1,
          2, # this is ok
        ]
        empty = []
        empty_with_space = [ ]
        empty_multi = [
        ]
        nested_empty = [[], [[]]]
        """#),
        CorpusDocument("array with comments everywhere", #"""
        a = [ # start
          # alone
          1 # after one
          , # after comma
          2
          # before close
        ] # after close
        """#),
        CorpusDocument("inline tables", #"""
        name = { first = "Tom", last = "Preston-Werner" }
        point = { x = 1, y = 2 }
        animal = { type.name = "pug" }
        empty = {}
        empty2 = { }
        nested = { a = { b = { c = 1 } }, d = [ { e = 2 } ] }
        dotted = { a.b = 1, a.c = 2, "q.k" = 3 }
        points = [ { x = 1, y = 2, z = 3 },
                   { x = 7, y = 8, z = 9 },
                   { x = 2, y = 4, z = 8 } ]
        """#),
        CorpusDocument("tables", #"""
        [table-1]
        key1 = "some string"
        key2 = 123

        [table-2]
        key1 = "another string"
        key2 = 456

        [dog."tater.man"]
        type.name = "pug"

        [a.b.c]            # this is best practice
        [ d.e.f ]          # same as [d.e.f]
        [ g .  h  . i ]    # same as [g.h.i]
        [ j . "ʞ" . 'l' ]  # same as [j."ʞ".'l']
        """#),
        CorpusDocument("super-table after sub-table", #"""
        # [x] you
        # [x.y] don't
        # [x.y.z] need these
        [x.y.z.w] # for this to work

        [x] # defining a super-table afterward is ok
        k = 1
        """#),
        CorpusDocument("root table keys before headers", #"""
        # Top-level table begins.
        name = "Fido"
        breed = "pug"

        # Top-level table ends.
        [owner]
        name = "Regina Dogman"
        member_since = 1999-08-04
        """#),
        CorpusDocument("dotted keys then sub-table headers", #"""
        fruit.apple.color = "red"
        # Defines a table named fruit
        # Defines a table named fruit.apple

        fruit.apple.taste.sweet = true
        # Defines a table named fruit.apple.taste

        [fruit.apple.texture]  # you can add sub-tables
        smooth = true
        """#),
        CorpusDocument("dotted keys inside a table section", #"""
        [fruit]
        apple.color = "red"
        apple.taste.sweet = true

        [fruit.apple.texture]  # you can add sub-tables
        smooth = true
        """#),
        CorpusDocument("empty tables", "[a]\n[b.c]\n[d]\n[\"\"]\n"),
        CorpusDocument("dotted key into implicitly created table", "[a.b.c]\nz = 1\n[a]\nb.d = 2\n"),
        CorpusDocument("header after dotted table in root", "a.b = 1\n[a.c]\nd = 2\n"),
        CorpusDocument("arrays of tables", #"""
        [[products]]
        name = "Hammer"
        sku = 738594937

        [[products]]  # empty table within the array

        [[products]]
        name = "Nail"
        sku = 284758393

        color = "gray"
        """#),
        CorpusDocument("nested arrays of tables", #"""
        [[fruits]]
        name = "apple"

        [fruits.physical]  # subtable
        color = "red"
        shape = "round"

        [[fruits.varieties]]  # nested array of tables
        name = "red delicious"

        [[fruits.varieties]]
        name = "granny smith"


        [[fruits]]
        name = "banana"

        [[fruits.varieties]]
        name = "plantain"
        """#),
        CorpusDocument("array of tables with same sub-table per element", "[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n"),
        CorpusDocument("implicit table then array of tables inside", "[[a.b]]\nx = 1\n[a]\ny = 2\n[[a.b]]\nx = 3\n"),
        CorpusDocument("headers with spaces and quotes", "[ \"a b\" . 'c.d' . e ]\nk = 1\n[[ x . \"y\" ]]\nk = 2\n"),
        CorpusDocument("whitespace variations", "a=1\n  b\t=\t2  \n\tc =3#c\n[ t ]  \n d = 4\n"),
        CorpusDocument("comments after values", #"""
        a = 1 # int
        b = "s" # string with # inside "quotes"
        c = [1] # array
        d = { e = 1 } # table
        [t] # table header
        [[u]] # array header
        """#),
        CorpusDocument("unicode content", "# ünïcödé comment 🎉\n\"ключ\" = \"значение\"\nemoji = \"😀\"\nmixed = 'ñ\\n'\n"),
        CorpusDocument("spec example", #"""
        # This is a TOML document

        title = "TOML Example"

        [owner]
        name = "Tom Preston-Werner"
        dob = 1979-05-27T07:32:00-08:00

        [database]
        enabled = true
        ports = [ 8000, 8001, 8002 ]
        data = [ ["delta", "phi"], [3.14] ]
        temp_targets = { cpu = 79.5, case = 72.0 }

        [servers]

        [servers.alpha]
        ip = "10.0.0.1"
        role = "frontend"

        [servers.beta]
        ip = "10.0.0.2"
        role = "backend"
        """#),
        CorpusDocument("den manifest shape", #"""
        name = "webapp"
        base = "debian:bookworm"

        [packages]
        apt = ["build-essential", "curl", "git"]

        [env]
        PATH = "/opt/tools/bin:$PATH"
        RUST_LOG = "info"

        [[mount]]
        source = "~/.cache/cargo"
        target = "/root/.cargo"
        read-only = true

        [[mount]]
        source = "./data"
        target = "/data"
        """#),
        CorpusDocument("keys differing only in normalisation", "\"\u{E9}\" = 1\n\"e\u{301}\" = 2\n"),
        CorpusDocument("keys that look like values", "1979-05-27 = 1\n0x10 = 2\n\"07:32:00\" = 3\n-1 = 4\n"),
    ]

    static let invalid: [CorpusDocument] = [
        // Keys and statements
        CorpusDocument("key without value", "a =\n"),
        CorpusDocument("key without value at end", "a = "),
        CorpusDocument("key without equals", "a\n"),
        CorpusDocument("two bare words", "a b = 1\n"),
        CorpusDocument("empty key", "= 1\n"),
        CorpusDocument("two pairs on a line", "a = 1 b = 2\n"),
        CorpusDocument("trailing dot in key", "a. = 1\n"),
        CorpusDocument("leading dot in key", ".a = 1\n"),
        CorpusDocument("double dot in key", "a..b = 1\n"),
        CorpusDocument("newline inside key/value", "a\n= 1\n"),
        CorpusDocument("value on the next line", "a =\n1\n"),
        CorpusDocument("multi-line string as key", "\"\"\"a\"\"\" = 1\n"),
        CorpusDocument("multi-line literal as key", "'''a''' = 1\n"),
        CorpusDocument("invalid bare key character", "a$b = 1\n"),
        CorpusDocument("byte order mark", "\u{FEFF}a = 1\n"),
        CorpusDocument("unquoted string value", "a = hello\n"),
        CorpusDocument("trailing garbage after value", "a = 1 2\n"),
        CorpusDocument("trailing comma after value", "a = 1,\n"),
        CorpusDocument("string then garbage", "a = \"x\" y\n"),
        // Duplicates and redefinitions
        CorpusDocument("duplicate key", "a = 1\na = 2\n"),
        CorpusDocument("duplicate key quoted", "a = 1\n\"a\" = 2\n"),
        CorpusDocument("duplicate key literal", "a = 1\n'a' = 2\n"),
        CorpusDocument("duplicate dotted key", "a.b = 1\na.b = 2\n"),
        CorpusDocument("value then dotted under it", "a = 1\na.b = 2\n"),
        CorpusDocument("dotted then value over it", "a.b = 1\na = 2\n"),
        CorpusDocument("duplicate table", "[a]\n[a]\n"),
        CorpusDocument("duplicate table with content", "[a]\nb = 1\n[a]\nc = 2\n"),
        CorpusDocument("table over value", "[a]\nb = 1\n[a.b]\n"),
        CorpusDocument("super-table twice", "[a.b]\n[a]\n[a]\n"),
        CorpusDocument("table over inline table", "a = {}\n[a]\n"),
        CorpusDocument("header over dotted-key table", "[a]\nb.c = 1\n[a.b]\n"),
        CorpusDocument("header over dotted table in root", "a.b = 1\n[a]\n"),
        CorpusDocument("spec fruit.apple redefinition", "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple]\n"),
        CorpusDocument("spec fruit.apple.taste redefinition", "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.taste]\n"),
        CorpusDocument("dotted keys into header-defined table", "[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n"),
        CorpusDocument("dotted keys into deeper header-defined table", "[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1\n"),
        CorpusDocument("header over nested dotted table in root", "a.b.c = 1\n[a.b]\n"),
        CorpusDocument("dotted key through array of tables", "[[a.b]]\n[a]\nb.c = 1\n"),
        CorpusDocument("header over dotted table in same doc", "[t]\na.b = 1\n[t.a]\n"),
        // Inline tables
        CorpusDocument("extend inline table with dotted key", "a = {b = 1}\na.c = 2\n"),
        CorpusDocument("extend inline table with header", "a = {b = 1}\n[a.c]\n"),
        CorpusDocument("extend nested inline table with header", "a = {b = {c = 1}}\n[a.b]\n"),
        CorpusDocument("inline dotted then value", "a = {x.y = 1, x = 2}\n"),
        CorpusDocument("inline value then dotted", "a = {x = {}, x.y = 1}\n"),
        CorpusDocument("inline trailing comma", "a = {b = 1,}\n"),
        CorpusDocument("inline newline", "a = {b = 1\n}\n"),
        CorpusDocument("inline newline after open", "a = {\nb = 1}\n"),
        CorpusDocument("inline lone comma", "a = {,}\n"),
        CorpusDocument("inline missing comma", "a = {b = 1 c = 2}\n"),
        CorpusDocument("inline duplicate key", "a = {b = 1, b = 2}\n"),
        CorpusDocument("inline unterminated", "a = {b = 1"),
        CorpusDocument("inline comment", "a = {b = 1 # c\n}\n"),
        // Arrays
        CorpusDocument("append to static array", "a = []\n[[a]]\n"),
        CorpusDocument("append to static array of ints", "a = [1]\n[[a]]\n"),
        CorpusDocument("header into static array of tables", "a = [{b = 1}]\n[a.c]\n"),
        CorpusDocument("table over array of tables", "[[a]]\n[a]\n"),
        CorpusDocument("array of tables over table", "[a]\n[[a]]\n"),
        CorpusDocument("table over value in array element", "[[a]]\nb = 1\n[a.b]\n"),
        CorpusDocument("array double comma", "a = [1,,2]\n"),
        CorpusDocument("array lone comma", "a = [,]\n"),
        CorpusDocument("array missing comma", "a = [1 2]\n"),
        CorpusDocument("array unterminated", "a = [1, 2"),
        CorpusDocument("array unterminated multi-line", "a = [\n1,\n2\n"),
        CorpusDocument("array leading comma", "a = [,1]\n"),
        // Headers
        CorpusDocument("empty header", "[]\n"),
        CorpusDocument("unclosed header", "[a\nb = 1\n"),
        CorpusDocument("header then key on same line", "[a] b = 1\n"),
        CorpusDocument("header then garbage", "[a]b\n"),
        CorpusDocument("unclosed array header", "[[a]\n"),
        CorpusDocument("array header closed once", "[[a]\n]\n"),
        CorpusDocument("table header closed twice", "[a]]\n"),
        CorpusDocument("space inside array header brackets", "[ [a]]\n"),
        CorpusDocument("header trailing dot", "[a.]\n"),
        CorpusDocument("header leading dot", "[.a]\n"),
        CorpusDocument("header double dot", "[a..b]\n"),
        CorpusDocument("header with multi-line key", "[\"\"\"a\"\"\"]\n"),
        CorpusDocument("header newline inside", "[a\n.b]\n"),
        // Strings
        CorpusDocument("unterminated basic string", "a = \"abc\n"),
        CorpusDocument("unterminated basic string at end", "a = \"abc"),
        CorpusDocument("unterminated literal string", "a = 'abc\n"),
        CorpusDocument("unterminated multi-line basic", "a = \"\"\"abc\n"),
        CorpusDocument("unterminated multi-line literal", "a = '''abc\n"),
        CorpusDocument("invalid escape q", "a = \"\\q\"\n"),
        CorpusDocument("invalid escape x", "a = \"\\x41\"\n"),
        CorpusDocument("invalid escape e", "a = \"\\e\"\n"),
        CorpusDocument("invalid escape space", "a = \"\\ \"\n"),
        CorpusDocument("short unicode escape", "a = \"\\u12\"\n"),
        CorpusDocument("short long unicode escape", "a = \"\\U0001F60\"\n"),
        CorpusDocument("non-hex unicode escape", "a = \"\\u12G4\"\n"),
        CorpusDocument("surrogate unicode escape", "a = \"\\uD800\"\n"),
        CorpusDocument("unicode escape beyond range", "a = \"\\U00110000\"\n"),
        CorpusDocument("unicode escape huge", "a = \"\\UFFFFFFFF\"\n"),
        CorpusDocument("raw NUL in basic string", "a = \"x\u{0}y\"\n"),
        CorpusDocument("raw control in basic string", "a = \"x\u{1}y\"\n"),
        CorpusDocument("raw DEL in basic string", "a = \"x\u{7F}y\"\n"),
        CorpusDocument("raw control in literal string", "a = 'x\u{1F}y'\n"),
        CorpusDocument("raw control in multi-line string", "a = \"\"\"x\u{8}y\"\"\"\n"),
        CorpusDocument("raw control in multi-line literal", "a = '''x\u{7F}y'''\n"),
        CorpusDocument("bare carriage return in string", "a = \"x\ry\"\n"),
        CorpusDocument("bare carriage return in multi-line string", "a = \"\"\"x\ry\"\"\"\n"),
        CorpusDocument("backslash whitespace then text", "a = \"\"\"a\\  b\"\"\"\n"),
        CorpusDocument("six closing quotes", "a = \"\"\"a\"\"\"\"\"\"\n"),
        CorpusDocument("six closing apostrophes", "a = '''a''''''\n"),
        CorpusDocument("literal string with apostrophe", "a = 'it's'\n"),
        CorpusDocument("basic string in single quotes mismatch", "a = \"abc'\n"),
        // Integers
        CorpusDocument("leading zero", "a = 01\n"),
        CorpusDocument("leading zero with plus", "a = +01\n"),
        CorpusDocument("leading zero with minus", "a = -012\n"),
        CorpusDocument("leading zero with underscore", "a = 0_1\n"),
        CorpusDocument("double underscore", "a = 1__2\n"),
        CorpusDocument("leading underscore", "a = _1\n"),
        CorpusDocument("trailing underscore", "a = 1_\n"),
        CorpusDocument("uppercase hex prefix", "a = 0X1F\n"),
        CorpusDocument("signed hex", "a = +0x1F\n"),
        CorpusDocument("negative hex", "a = -0x1F\n"),
        CorpusDocument("empty hex", "a = 0x\n"),
        CorpusDocument("bad hex digit", "a = 0xG1\n"),
        CorpusDocument("bad binary digit", "a = 0b102\n"),
        CorpusDocument("bad octal digit", "a = 0o78\n"),
        CorpusDocument("hex underscore after prefix", "a = 0x_1F\n"),
        CorpusDocument("integer with letter", "a = 12a\n"),
        CorpusDocument("double sign", "a = +-1\n"),
        CorpusDocument("lone sign", "a = -\n"),
        // Floats
        CorpusDocument("float without integer part", "a = .5\n"),
        CorpusDocument("float without fraction digits", "a = 5.\n"),
        CorpusDocument("float dot before exponent", "a = 1.e5\n"),
        CorpusDocument("float empty exponent", "a = 1e\n"),
        CorpusDocument("float signed empty exponent", "a = 1e+\n"),
        CorpusDocument("float two dots", "a = 1.5.2\n"),
        CorpusDocument("float fraction in exponent", "a = 1e5.5\n"),
        CorpusDocument("float leading underscore", "a = _1.0\n"),
        CorpusDocument("float underscore before dot", "a = 1_.0\n"),
        CorpusDocument("float underscore after dot", "a = 1._0\n"),
        CorpusDocument("float leading zero", "a = 01.5\n"),
        CorpusDocument("float underscore in exponent start", "a = 1.0e_5\n"),
        CorpusDocument("inf with suffix", "a = inf1\n"),
        CorpusDocument("capitalised Inf", "a = Inf\n"),
        CorpusDocument("capitalised NaN", "a = NaN\n"),
        CorpusDocument("infinity spelled out", "a = infinity\n"),
        // Booleans
        CorpusDocument("capitalised True", "a = True\n"),
        CorpusDocument("truncated true", "a = tru\n"),
        CorpusDocument("extended true", "a = truee\n"),
        CorpusDocument("uppercase FALSE", "a = FALSE\n"),
        // Date-times
        CorpusDocument("month 13", "a = 1979-13-01\n"),
        CorpusDocument("month 00", "a = 1979-00-01\n"),
        CorpusDocument("day 00", "a = 1979-01-00\n"),
        CorpusDocument("february 30", "a = 1979-02-30\n"),
        CorpusDocument("february 29 in a common year", "a = 2023-02-29\n"),
        CorpusDocument("february 29 in 1900", "a = 1900-02-29\n"),
        CorpusDocument("april 31", "a = 2024-04-31\n"),
        CorpusDocument("hour 24", "a = 1979-05-27T24:00:00\n"),
        CorpusDocument("minute 60", "a = 1979-05-27T07:60:00\n"),
        CorpusDocument("second 61", "a = 07:32:61\n"),
        CorpusDocument("time without seconds", "a = 1979-05-27T07:32\n"),
        CorpusDocument("local time without seconds", "a = 07:32\n"),
        CorpusDocument("one-digit month", "a = 1979-5-27\n"),
        CorpusDocument("one-digit hour", "a = 7:32:00\n"),
        CorpusDocument("offset hour 24", "a = 1979-05-27T07:32:00+24:00\n"),
        CorpusDocument("offset minute 60", "a = 1979-05-27T07:32:00+05:60\n"),
        CorpusDocument("offset without minutes", "a = 1979-05-27T07:32:00+05\n"),
        CorpusDocument("fraction without digits", "a = 1979-05-27T07:32:00.\n"),
        CorpusDocument("local time with offset", "a = 07:32:00Z\n"),
        CorpusDocument("date with dangling T", "a = 1979-05-27T\n"),
        CorpusDocument("date then short time", "a = 1979-05-27 07:32\n"),
        CorpusDocument("date with trailing digit", "a = 1979-05-270\n"),
        CorpusDocument("five-digit year", "a = 19790-05-27\n"),
        CorpusDocument("date-time with trailing letters", "a = 1979-05-27T07:32:00Zx\n"),
        // Comments and newlines
        CorpusDocument("control character in comment", "# bad \u{1} comment\na = 1\n"),
        CorpusDocument("DEL in comment", "# bad \u{7F}\n"),
        CorpusDocument("NUL in comment", "a = 1 # \u{0}\n"),
        CorpusDocument("bare carriage return", "a = 1\rb = 2\n"),
        CorpusDocument("bare carriage return in comment", "# a\rb\n"),
        CorpusDocument("bare carriage return at line start", "\r"),
        CorpusDocument("form feed as whitespace", "a =\u{0C}1\n"),
        CorpusDocument("vertical tab as whitespace", "\u{0B}a = 1\n"),
    ]
}
