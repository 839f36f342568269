package api_test

import (
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"
	"time"

	"matchmaker/profiles"
)

// multipartBody builds an import's body: files by name, then fields.
func multipartBody(t *testing.T, files map[string]string, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, name := range []string{"cities.csv", "practices.csv", "experts.jsonl", "broken.csv"} {
		body, ok := files[name]
		if !ok {
			continue
		}
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(body))
	}
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	return b.String(), w.FormDataContentType()
}

// waitImport polls an import until it ends.
func (x *env) waitImport(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := x.do(t, "GET", "/v1/imports/"+id, "").json(t)
		if s := m["state"]; s == "succeeded" || s == "failed" {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still %v after 30 s", m["state"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const (
	importCities    = "external_ref;name;country;region;languages\nCRM-DKR;Dakar;SN;africa;fr|wo\nCRM-MVD;Montevideo;UY;latin_america;es\n"
	importPractices = "external_ref,city_ref,title,description,language,themes\n" +
		"P-1,CRM-MVD,Compostaje barrial,Los vecinos llevan los residuos orgánicos a composteras comunitarias.,es,Gestión de residuos sólidos y reciclaje\n"
)

// An import sent to the API runs as a job: its state, progress and counts are
// readable, a re-import changes nothing, its rows are listed with their
// external_ref, and the export gives them back.
func TestImportAndExportAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		body, ct := multipartBody(t, map[string]string{"cities.csv": importCities, "practices.csv": importPractices})
		r := x.do(t, "POST", "/v1/imports", body, "Content-Type", ct)
		if r.Status != 202 || !strings.HasPrefix(r.Header.Get("Location"), "/v1/imports/") {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		m := x.waitImport(t, r.json(t)["id"].(string))
		if m["state"] != "succeeded" {
			t.Fatalf("import: %v", m)
		}
		counts := m["report"].(map[string]any)["counts"].(map[string]any)
		if c := counts["city"].(map[string]any); c["created"] != 2.0 {
			t.Errorf("cities: %v", c)
		}
		list := x.do(t, "GET", "/v1/cities", "")
		if !strings.Contains(string(list.Body), `"external_ref":"CRM-DKR"`) {
			t.Errorf("the list of cities shows no external_ref: %s", list.Body)
		}
		again := x.waitImport(t, x.do(t, "POST", "/v1/imports", body, "Content-Type", ct).json(t)["id"].(string))
		if c := again["report"].(map[string]any)["counts"].(map[string]any)["practice"].(map[string]any); c["unchanged"] != 1.0 || c["created"] != 0.0 {
			t.Errorf("practices imported again: %v", c)
		}

		exp := x.do(t, "GET", "/v1/exports/practices?format=csv", "")
		if exp.Status != 200 || !strings.HasPrefix(exp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s", exp.Status, exp.Body)
		}
		recs, err := csv.NewReader(bytes.NewReader(exp.Body)).ReadAll()
		if err != nil || len(recs) != 2 || recs[1][0] != "P-1" || recs[1][1] != "CRM-MVD" || recs[1][5] != "waste" {
			t.Errorf("export: %v %v", recs, err)
		}
		jl := x.do(t, "GET", "/v1/exports/cities?format=jsonl", "")
		if jl.Status != 200 || strings.Count(string(jl.Body), "\n") != 2 {
			t.Errorf("jsonl export: %d %s", jl.Status, jl.Body)
		}
	})
}

// Bad rows fail the import with every one of them in its problem, and nothing
// is written; a bad request is refused at once.
func TestImportAPIProblems(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		body, ct := multipartBody(t, map[string]string{
			"cities.csv":    importCities + "CRM-X;Nowhere;XX;atlantis;fr\n",
			"practices.csv": importPractices + "P-2,CRM-404,Titre,Une description.,fr,waste\n",
		})
		m := x.waitImport(t, x.do(t, "POST", "/v1/imports", body, "Content-Type", ct).json(t)["id"].(string))
		p, _ := m["problem"].(map[string]any)
		if m["state"] != "failed" || p == nil || p["status"] != 422.0 || p["error_total"] != 3.0 {
			t.Fatalf("import: %v", m)
		}
		var got []string
		for _, e := range p["errors"].([]any) {
			e := e.(map[string]any)
			got = append(got, e["file"].(string)+":"+strconv.Itoa(int(e["line"].(float64)))+":"+e["field"].(string)+":"+e["code"].(string))
		}
		want := "cities.csv:4:country:invalid cities.csv:4:region:invalid practices.csv:3:city_ref:dangling_ref"
		if strings.Join(got, " ") != want {
			t.Errorf("errors %v, want %s", got, want)
		}
		if n, err := x.store.FindCities(t.Context(), profiles.CityFilter{}); err != nil || n.Total != 0 {
			t.Errorf("a failed import wrote %d cities (%v)", n.Total, err)
		}

		x.run(t, []scenario{
			{name: "JSON body", method: "POST", path: "/v1/imports", body: `{}`, status: 415},
			{name: "no file", method: "POST", path: "/v1/imports", body: "--x--\r\n", header: []string{"Content-Type", "multipart/form-data; boundary=x"}, status: 422, fields: []string{"file"}},
			{name: "not UTF-8", method: "POST", path: "/v1/imports", body: "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cities.csv\"\r\n\r\nname\xff\r\n--x--\r\n",
				header: []string{"Content-Type", "multipart/form-data; boundary=x"}, status: 422, fields: []string{"file[0]"}},
			{name: "unknown export", method: "GET", path: "/v1/exports/keys", status: 404},
			{name: "unknown format", method: "GET", path: "/v1/exports/cities?format=xml", status: 400, fields: []string{"format"}},
		})
	})
}
