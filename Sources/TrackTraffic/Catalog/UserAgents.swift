/// Realistic `user_agent` strings: current browsers, native apps and well-known crawlers.
///
/// Browser and app agents must never look like crawlers, and every crawler agent is one that
/// uap-core's `Spider` device regexes (Debian's `uap-core` package) classify as a bot.
enum UserAgents {
    /// Desktop and mobile browsers across versions: well over a hundred distinct strings.
    static let browsers: [String] = {
        var agents: [String] = []
        let webKit = "AppleWebKit/537.36 (KHTML, like Gecko)"
        for version in 118...131 {
            agents.append("Mozilla/5.0 (Windows NT 10.0; Win64; x64) \(webKit) Chrome/\(version).0.0.0 Safari/537.36")
            agents.append(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) \(webKit) Chrome/\(version).0.0.0 Safari/537.36"
            )
            agents.append(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) \(webKit) Chrome/\(version).0.0.0 Safari/537.36 "
                    + "Edg/\(version).0.\(2000 + version * 3).\(40 + version % 30)"
            )
            agents.append(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:\(version).0) Gecko/20100101 Firefox/\(version).0"
            )
        }
        for version in 124...131 {
            agents.append("Mozilla/5.0 (Linux; Android 10; K) \(webKit) Chrome/\(version).0.0.0 Mobile Safari/537.36")
            agents.append("Mozilla/5.0 (X11; Linux x86_64) \(webKit) Chrome/\(version).0.0.0 Safari/537.36")
            agents.append(
                "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:\(version).0) Gecko/20100101 Firefox/\(version).0"
            )
        }
        for device in ["SM-S918B", "Pixel 8", "Pixel 7a", "SM-A546B", "moto g power (2023)"] {
            for version in [126, 129] {
                agents.append(
                    "Mozilla/5.0 (Linux; Android 14; \(device)) \(webKit) Chrome/\(version).0.6478.\(version) "
                        + "Mobile Safari/537.36"
                )
            }
        }
        for (os, safari) in [("16_6", "16.6"), ("17_1", "17.1"), ("17_4", "17.4"), ("17_5", "17.5"), ("18_0", "18.0")] {
            let appleWebKit = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
            agents.append(
                "Mozilla/5.0 (iPhone; CPU iPhone OS \(os) like Mac OS X) \(appleWebKit) Version/\(safari) "
                    + "Mobile/15E148 Safari/604.1"
            )
            agents.append(
                "Mozilla/5.0 (iPad; CPU OS \(os) like Mac OS X) \(appleWebKit) Version/\(safari) Mobile/15E148 Safari/604.1"
            )
            agents.append(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) \(appleWebKit) Version/\(safari) Safari/605.1.15"
            )
        }
        for version in ["23.0", "24.0", "25.0"] {
            agents.append(
                "Mozilla/5.0 (Linux; Android 13; SM-G991B) \(webKit) SamsungBrowser/\(version) "
                    + "Chrome/115.0.0.0 Mobile Safari/537.36"
            )
        }
        return agents
    }()

    /// Native apps' HTTP clients, which send short agents.
    static let apps: [String] = {
        var agents: [String] = []
        for minor in 0...3 {
            for patch in 1...4 {
                agents.append("AcmeNews/5.\(minor).\(patch) (iPhone; iOS 17.\(minor); Scale/3.00)")
                agents.append("GlobexShop/\(patch).\(minor) (Android 14; Pixel 8)")
                agents.append("okhttp/4.\(9 + minor).\(patch)")
            }
            agents.append("HooliVideo/3.\(minor) CFNetwork/1490.0.4 Darwin/23.2.0")
        }
        return agents
    }()

    /// Crawlers, weighted roughly by how often they visit a typical site.
    static let crawlers = WeightedChoice<String>([
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 30),
        (
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            20
        ),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 12),
        ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 8),
        ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", 6),
        ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", 5),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", 6),
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)", 5),
        ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", 3),
        ("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", 3),
        ("Twitterbot/1.0", 2),
    ])
}
