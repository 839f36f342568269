package transfer_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"matchmaker/demo"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/transfer"
)

// writeScaled writes n rows of the scaled demo network as one CSV file per
// kind in dir, and returns their paths. When bad > 0, the practice on that
// line of practices.csv names a theme that does not exist.
func writeScaled(t testing.TB, dir string, n, bad int) []string {
	t.Helper()
	var paths []string
	writers := map[string]*csv.Writer{}
	var files []*os.File
	lines := map[string]int{}
	open := func(kind string) *csv.Writer {
		if w, ok := writers[kind]; ok {
			return w
		}
		p := filepath.Join(dir, plural(kind)+".csv")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		paths = append(paths, p)
		w := csv.NewWriter(bufio.NewWriterSize(f, 1<<20))
		w.Write(transfer.Columns[kind])
		lines[kind] = 1
		writers[kind] = w
		return w
	}
	list := func(l []string) string { return strings.Join(l, transfer.ListSeparator) }
	num := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	err := demo.Scale(n, 1, func(r demo.Row) error {
		w := open(r.Kind)
		lines[r.Kind]++
		switch in := r.Input.(type) {
		case profiles.CityInput:
			pop, lat, lon := "", "", ""
			if in.Population != nil {
				pop = strconv.FormatInt(*in.Population, 10)
			}
			if in.Latitude != nil {
				lat, lon = strconv.FormatFloat(*in.Latitude, 'f', -1, 64), strconv.FormatFloat(*in.Longitude, 'f', -1, 64)
			}
			ct := profiles.Contact{}
			if in.Contact != nil {
				ct = *in.Contact
			}
			return w.Write([]string{r.Ref, in.Name, in.Country, in.Region, pop, in.Kind, list(in.Languages), lat, lon, ct.Name, ct.Email, ct.Phone})
		case profiles.PracticeInput:
			var start, end *int
			if in.Period != nil {
				start, end = in.Period.Start, in.Period.End
			}
			themes := list(in.Themes)
			if lines[r.Kind] == bad {
				themes = "no-such-theme"
			}
			return w.Write([]string{r.Ref, r.CityRef, in.Title, in.Description, in.Language, themes, num(start), num(end),
				in.Results, in.LessonsLearned, in.Transferability, in.Status})
		case profiles.ChallengeInput:
			var from, until string
			if in.Timeframe != nil {
				from, until = in.Timeframe.From, in.Timeframe.Until
			}
			return w.Write([]string{r.Ref, r.CityRef, in.Title, in.Description, in.Language, list(in.Themes), list(in.Modes),
				in.StrategicResult, list(in.SkillsNeeded), from, until, in.Status})
		case profiles.ExpertInput:
			track, _ := json.Marshal(in.TrackRecord)
			ct := profiles.Contact{}
			if in.Contact != nil {
				ct = *in.Contact
			}
			active := ""
			if in.Active != nil {
				active = strconv.FormatBool(*in.Active)
			}
			return w.Write([]string{r.Ref, in.Name, in.Role, in.Seniority, r.CityRef, in.Country, list(in.Languages), in.Bio,
				list(in.Themes), list(in.Skills), list(in.Modes), num(in.Capacity), in.AvailableFrom, in.AvailableUntil, active,
				ct.Name, ct.Email, ct.Phone, string(track)})
		}
		return fmt.Errorf("unknown row %T", r.Input)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range writers {
		w.Flush()
		if err := w.Error(); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

func plural(kind string) string {
	if kind == profiles.KindCity {
		return "cities"
	}
	return kind + "s"
}

func sources(paths []string) []transfer.Source {
	out := make([]transfer.Source, len(paths))
	for i, p := range paths {
		out[i] = transfer.FileSource(p)
	}
	return out
}

// peakMemory samples the Go heap while it runs and reads the process's peak
// resident memory (reset first where Linux allows it).
type peakMemory struct {
	stop chan struct{}
	done chan struct{}
	heap uint64
}

func watchMemory() *peakMemory {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM on Linux
	m := &peakMemory{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			m.heap = max(m.heap, ms.HeapInuse)
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

// end returns the peak heap in use and the peak resident set (0 when
// unknown), in MiB.
func (m *peakMemory) end() (heapMiB, rssMiB float64) {
	close(m.stop)
	<-m.done
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				rssMiB = kb / 1024
			}
		}
	}
	return float64(m.heap) / (1 << 20), rssMiB
}

// cpuTime is the processor time this process has used (user and system): on
// a shared machine it says what an import costs when wall time says how busy
// the machine was. The database server's own time is not in it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// importBenchApp names the benchmark's connections to PostgreSQL, so that
// serverCPU finds their server processes.
const importBenchApp = "matchmaker_import_bench"

// serverCPU is the processor time (user and system) of the PostgreSQL server
// processes serving the benchmark's connections, read from /proc (the server
// runs on the same machine): on a shared machine, with the importer's own
// cpuTime, it says what an import costs when wall time says how busy the
// machine was. 0 when unknown.
func serverCPU(b *testing.B, dsn string) time.Duration {
	bdb, _, err := profiles.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer bdb.Close()
	var pids []int
	if err := bdb.NewRaw("SELECT pid FROM pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()", importBenchApp).
		Scan(context.Background(), &pids); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, pid := range pids {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0
		}
		// The fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th, in clock ticks (100 a second).
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
		ut, _ := strconv.Atoi(f[11])
		stime, _ := strconv.Atoi(f[12])
		total += time.Duration(ut+stime) * 10 * time.Millisecond
	}
	return total
}

// benchRows is the size of the import benchmark: 100,000 rows, or
// IMPORT_BENCH_ROWS.
func benchRows(b *testing.B) int {
	if v := os.Getenv("IMPORT_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 100_000
}

// scaledFiles writes the scaled network once per size and bad line into
// dir, and returns the paths.
func scaledFiles(b *testing.B, dir string, cache map[string][]string, n, bad int) []string {
	key := fmt.Sprint(n, "-", bad)
	if p, ok := cache[key]; ok {
		return p
	}
	sub := filepath.Join(dir, key)
	if err := os.Mkdir(sub, 0o700); err != nil {
		b.Fatal(err)
	}
	cache[key] = writeScaled(b, sub, n, bad)
	return cache[key]
}

// BenchmarkImport imports the scaled demo network (100,000 rows of four kinds
// by default) into an empty database, on SQLite and PostgreSQL, and reports
// rows a second and peak memory; "again" imports the same files a second time
// (every row unchanged); "bad-row" imports them with one bad practice and
// checks that it is named by its line and that nothing is written.
func BenchmarkImport(b *testing.B) {
	n := benchRows(b)
	dir, cache := b.TempDir(), map[string][]string{}
	for _, dbName := range []string{"sqlite", "postgres"} {
		newDB := func() profilestest.DB {
			if dbName == "postgres" {
				return profilestest.PostgresDB(b, true)
			}
			return profilestest.SQLiteDB(b, true)
		}
		b.Run(dbName, func(b *testing.B) {
			paths := scaledFiles(b, dir, cache, n, 0)
			b.Run("fresh", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					db := newDB()
					if dbName == "postgres" {
						db.DSN += "&application_name=" + importBenchApp
					}
					s := openStore(b, db)
					runtime.GC()
					m := watchMemory()
					b.StartTimer()
					start, cpu0 := time.Now(), cpuTime()
					rep, err := transfer.NewImporter(s).Import(context.Background(), sources(paths), transfer.Options{})
					elapsed, cpu := time.Since(start), cpuTime()-cpu0
					b.StopTimer()
					heap, rss := m.end()
					if err != nil {
						b.Fatal(err)
					}
					if rep.Rows != n {
						b.Fatalf("imported %d rows, want %d", rep.Rows, n)
					}
					b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
					b.ReportMetric(cpu.Seconds(), "cpu-s")
					b.ReportMetric(heap, "peak-heap-MiB")
					b.ReportMetric(rss, "peak-rss-MiB")
					if dbName == "postgres" {
						b.ReportMetric(serverCPU(b, db.DSN).Seconds(), "server-cpu-s")
					}
					b.StartTimer()
				}
			})
			b.Run("again", func(b *testing.B) {
				s := openStore(b, newDB())
				if _, err := transfer.NewImporter(s).Import(context.Background(), sources(paths), transfer.Options{}); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					start := time.Now()
					rep, err := transfer.NewImporter(s).Import(context.Background(), sources(paths), transfer.Options{})
					if err != nil {
						b.Fatal(err)
					}
					if c := rep.Counts[profiles.KindPractice]; c.Unchanged != c.Rows {
						b.Fatalf("practices again: %+v", *c)
					}
					b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
				}
			})
			b.Run("bad-row", func(b *testing.B) {
				badLine := min(12_345, n/4)
				bad := scaledFiles(b, dir, cache, n, badLine)
				s := openStore(b, newDB())
				for b.Loop() {
					_, err := transfer.NewImporter(s).Import(context.Background(), sources(bad), transfer.Options{})
					var ie *transfer.ImportError
					if !errors.As(err, &ie) || ie.Total != 1 || ie.Errors[0].Line != badLine || ie.Errors[0].File != "practices.csv" || ie.Errors[0].Field != "themes" {
						b.Fatalf("got %v", err)
					}
				}
				b.StopTimer()
				if c := counts(b, s); c != [4]int{} {
					b.Fatalf("a refused import wrote %v", c)
				}
			})
		})
	}
}

// The scaled network at a test's size: one bad practice among thousands of
// rows is named by its line, and nothing is written; without it, everything
// is.
func TestImportScaledOneBadRow(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		s := openStore(t, db)
		const n, badLine = 3000, 777
		_, err := transfer.NewImporter(s).Import(context.Background(), sources(writeScaled(t, t.TempDir(), n, badLine)), transfer.Options{})
		var ie *transfer.ImportError
		if !errors.As(err, &ie) || ie.Total != 1 {
			t.Fatalf("got %v", err)
		}
		if e := ie.Errors[0]; e.File != "practices.csv" || e.Line != badLine || e.Field != "themes" || e.Code != transfer.CodeInvalid {
			t.Errorf("error %+v", e)
		}
		if c := counts(t, s); c != [4]int{} {
			t.Fatalf("a refused import wrote %v", c)
		}
		rep, err := transfer.NewImporter(s).Import(context.Background(), sources(writeScaled(t, t.TempDir(), n, 0)), transfer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c := counts(t, s); rep.Rows != n || c[0]+c[1]+c[2]+c[3] != n {
			t.Fatalf("imported %d rows, stored %v", rep.Rows, c)
		}
	})
}
