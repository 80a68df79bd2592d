// Package gen makes synthetic posts: folders in the seed format for
// benchmarks (Write, feedpub gen) and tests (Small), and posts in memory
// (Posts). It is the one generator of posts.
package gen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Options say what Write generates: Cats categories to draw from, bodies
// of about Size bytes, and Seed for the random choices.
type Options struct {
	Cats, Size int
	Seed       uint64
}

// Write writes n synthetic posts in the seed format into dir, for
// benchmarks and tests: HTML bodies of about o.Size bytes in Chinese and
// English, one to three categories out of o.Cats, dates spread over five
// years, in yearly subfolders. The same options always give the same files.
func Write(ctx context.Context, dir string, n int, o Options) error {
	if n < 0 || o.Cats < 1 || o.Size < 0 {
		return errors.New("gen: the number of posts and the size must not be negative, the categories must be positive")
	}
	g := newGenerator(o.Cats, o.Size)
	eg, egCtx := errgroup.WithContext(ctx)
	eg.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		if egCtx.Err() != nil {
			break
		}
		eg.Go(func() error {
			name, data := g.post(o.Seed, i, n)
			p := filepath.Join(dir, filepath.FromSlash(name))
			err := os.MkdirAll(filepath.Dir(p), 0o755)
			if err == nil {
				err = os.WriteFile(p, data, 0o644)
			}
			if err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

type generator struct {
	cats []string
	size int
}

func newGenerator(cats, size int) *generator {
	g := &generator{size: size}
	zh := []string{"金融", "科技", "要闻", "体育", "文化", "教育", "健康", "汽车", "房产", "旅游", "能源", "农业", "国际", "法治", "环境", "军事"}
	en := []string{"Tech", "World", "Go", "Science", "Markets", "Climate", "Space", "Design", "Security", "Open Source"}
	for i := range cats {
		var c string
		switch {
		case i < len(zh):
			c = zh[i]
		case i < len(zh)+len(en):
			c = en[i-len(zh)]
		case i%2 == 0:
			c = fmt.Sprintf("%s%d", zh[i%len(zh)], i)
		default:
			c = fmt.Sprintf("%s %d", en[i%len(en)], i)
		}
		g.cats = append(g.cats, c)
	}
	return g
}

var (
	genZh = []string{
		"江南城市商业银行对外发布绿色信贷专项计划，重点支持分布式光伏和工业节能改造项目。",
		"业内人士认为，地方银行熟悉区域产业结构，在绿色金融领域具有贴身服务的优势。",
		"对于只有三五个人的开发团队，持续集成看起来像是大公司才需要的东西。",
		"该负责人介绍，专项计划将对符合条件的项目给予利率优惠，并简化审批流程。",
		"研究人员表示，新方法在多个公开数据集上取得了更好的结果，但仍需更多验证。",
		"市民可以通过手机应用查询实时公交到站信息，高峰时段的等待时间明显缩短。",
		"与以往不同的是，此次计划在授信评估中引入了环境效益测算，并按季度跟踪。",
		"比赛在晚上七点半开始，主队凭借下半场的两个进球逆转取胜，现场气氛热烈。",
	}
	genEn = []string{
		"The city council approved a plan to expand the bike lane network by forty kilometres.",
		"Engineers said the new release cuts cold start time in half on small machines.",
		"Analysts expect the central bank to hold rates steady at its next meeting.",
		"A small team can set up continuous integration in an afternoon with a short checklist.",
		"The museum reopens on Saturday with a restored collection of Song dynasty ceramics.",
		"Researchers measured the glacier's retreat with drones and satellite images.",
	}
	genStart = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	genSpan  = 5 * 365 * 24 * time.Hour
)

// post returns the path and bytes of post i of n.
func (g *generator) post(seed uint64, i, n int) (string, []byte) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	// Dates rise with i, with jitter, over five years.
	date := genStart.Add(time.Duration(float64(genSpan) * (float64(i) + r.Float64()) / float64(max(n, 1))))
	english := r.IntN(4) == 0
	var b strings.Builder
	b.Grow(g.size + 1024)
	b.WriteString("---\n")
	if english {
		fmt.Fprintf(&b, "title: '%s'\n", yamlQuoted(fmt.Sprintf("Report %d: %s", i, strings.TrimSuffix(genEn[r.IntN(len(genEn))], "."))))
		b.WriteString("lang: en\n")
	} else {
		fmt.Fprintf(&b, "title: '第%d期：%s'\n", i, strings.TrimSuffix(genZh[r.IntN(len(genZh))], "。"))
	}
	b.WriteString("categories:\n")
	k := 1 + r.IntN(min(3, len(g.cats))) // never more than there are
	seen := map[int]bool{}
	for len(seen) < k {
		c := r.IntN(len(g.cats))
		if !seen[c] {
			seen[c] = true
			fmt.Fprintf(&b, " - '%s'\n", yamlQuoted(g.cats[c]))
		}
	}
	fmt.Fprintf(&b, "author: %s\n", []string{"江南财经观察", "极客周报", "Newsroom", "王小明"}[r.IntN(4)])
	fmt.Fprintf(&b, "headimg: 'https://picsum.photos/400/300?random=%d'\n", i)
	fmt.Fprintf(&b, "date: %s GMT\n", date.Format("Mon, 02 Jan 2006 15:04:05"))
	b.WriteString("---\n\n<div>\n")
	for b.Len() < g.size {
		switch r.IntN(8) {
		case 0:
			fmt.Fprintf(&b, "<h2>%s</h2>\n", strings.TrimSuffix(genZh[r.IntN(len(genZh))], "。"))
		case 1:
			fmt.Fprintf(&b, "<p><a href=\"https://example.com/news/%d\">%s</a> <strong>%d%%</strong></p>\n", r.IntN(1e6), genEn[r.IntN(len(genEn))], r.IntN(100))
		default:
			b.WriteString("<p>")
			for range 2 + r.IntN(3) {
				if english {
					b.WriteString(genEn[r.IntN(len(genEn))])
					b.WriteByte(' ')
				} else {
					b.WriteString(genZh[r.IntN(len(genZh))])
				}
			}
			b.WriteString("</p>\n")
		}
	}
	b.WriteString("</div>\n")
	name := fmt.Sprintf("%d/%06d_%s.html", date.Year(), i, []string{"news", "report", "note"}[i%3])
	return name, []byte(b.String())
}

// yamlQuoted escapes s for a single-quoted YAML scalar.
func yamlQuoted(s string) string { return strings.ReplaceAll(s, "'", "''") }
