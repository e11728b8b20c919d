import Database
import Testing

@Suite("Splitting migration scripts into statements")
struct SQLStatementSplitterTests {
    @Test func splitsAtTopLevelSemicolons() {
        #expect(SQLStatementSplitter.split("SELECT 1; SELECT 2;\n\nSELECT 3") == ["SELECT 1", "SELECT 2", "SELECT 3"])
    }

    @Test func keepsSemicolonsInStringsIdentifiersAndComments() {
        let script = """
            -- a comment; with a semicolon
            INSERT INTO t VALUES ('a;b', 'it''s; fine', E'back\\'slash;');
            /* block; /* nested; */ still comment; */
            SELECT "odd;name" FROM t;
            """
        let statements = SQLStatementSplitter.split(script)
        #expect(statements.count == 2)
        #expect(statements[0].hasSuffix("E'back\\'slash;')"))
        #expect(statements[1].hasSuffix("SELECT \"odd;name\" FROM t"))
    }

    @Test func keepsDollarQuotedFunctionBodiesWhole() {
        let script = """
            CREATE FUNCTION f() RETURNS trigger AS $fn$
            BEGIN
              PERFORM pg_notify('c', 'x;y');
              RETURN NEW;
            END;
            $fn$ LANGUAGE plpgsql;
            SELECT $$a;b$$, $1;
            """
        let statements = SQLStatementSplitter.split(script)
        #expect(statements.count == 2)
        #expect(statements[0].hasSuffix("$fn$ LANGUAGE plpgsql"))
        #expect(statements[1] == "SELECT $$a;b$$, $1")
    }

    @Test func dropsEmptyAndCommentOnlyStatements() {
        #expect(SQLStatementSplitter.split(";;  -- only a comment\n;") == [])
    }
}
