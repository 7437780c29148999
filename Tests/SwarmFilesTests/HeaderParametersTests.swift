import SwarmFiles
import Testing

/// Header values with parameters, as browsers and mail programs write them (RFC 9110 §5.6.6, RFC 8187).
@Suite("Header parameters")
struct HeaderParametersTests {
    @Test("a form part's disposition: tokens, quoted strings with escapes and UTF-8, names in any case")
    func disposition() throws {
        let parsed = try #require(
            HeaderParameters(#"Form-Data; NAME="file"; filename="Prüf \"bericht\"; Dezember.pdf""#))
        #expect(parsed.value == "form-data")
        #expect(parsed["name"] == "file")
        #expect(parsed["Filename"] == #"Prüf "bericht"; Dezember.pdf"#)
        #expect(parsed["size"] == nil)
        let boundary = try #require(HeaderParameters("multipart/form-data; boundary=----WebKitFormBoundary7MA4;"))
        #expect(boundary.value == "multipart/form-data")
        #expect(boundary["boundary"] == "----WebKitFormBoundary7MA4")
        #expect(HeaderParameters("text/plain")?.value == "text/plain")
    }

    @Test("an extended value wins over the plain one; one that cannot be decoded leaves the plain one")
    func extended() {
        let both = HeaderParameters(#"attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.txt; filename="a.txt""#)
        #expect(both?["filename"] == "見積.txt")
        #expect(HeaderParameters("attachment; filename*=iso-8859-1'de'Pr%FCfung.pdf")?["filename"] == "Prüfung.pdf")
        #expect(HeaderParameters(#"attachment; filename="a.txt"; filename*=UTF-8''%ZZ"#)?["filename"] == "a.txt")
        #expect(HeaderParameters(#"attachment; filename="a.txt"; filename*=KOI8-R''%C1"#)?["filename"] == "a.txt")
        #expect(HeaderParameters("attachment; filename*=UTF-8''%FF%FE")?["filename"] == nil, "not UTF-8")
    }

    @Test(
        "what is not a header value with parameters",
        arguments: [
            #"form-data; name"#, #"form-data; name=""#, #"form-data; ="x""#, #"form-data; name=a b"#,
            #"form-data; name=; x=1"#, #"form-data; name="a"x"#, "form-data; name=\"a\\",
        ])
    func malformed(text: String) {
        #expect(HeaderParameters(text) == nil, "\(text)")
    }
}
