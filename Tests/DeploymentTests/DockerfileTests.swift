import Testing
import TrackPipeline

@Suite("Dockerfile and .dockerignore")
struct DockerfileTests {
    let deployment: Deployment

    init() throws {
        deployment = try Deployment.load()
    }

    @Test("build on swift:6.x-noble with librdkafka-dev; run on ubuntu:24.04 as non-root with health check")
    func image() throws {
        #expect(try deployment.dockerfileProblems() == [])
    }

    @Test(
        "the runtime stage installs librdkafka1, libjemalloc2, libmaxminddb0, libpcre2-8-0, uap-core, ca-certificates and curl"
    )
    func runtimePackages() {
        let packages = deployment.dockerfile.runtimeStage.aptPackages
        #expect(
            packages.isSuperset(of: [
                "librdkafka1", "libjemalloc2", "libmaxminddb0", "libpcre2-8-0", "uap-core", "ca-certificates", "curl",
            ])
        )
    }

    @Test("the default pipeline resolves to the repository's Pipelines/track.yml inside the image")
    func defaultPipeline() {
        #expect(deployment.dockerfile.runtimeStage.workdir == "/app")
        #expect(deployment.repositoryPath(ofImagePath: PipelineLoader.defaultPath) == "Pipelines/track.yml")
        #expect(deployment.repositoryPath(ofImagePath: "/app/Pipelines/other.yml") == "Pipelines/other.yml")
        #expect(deployment.repositoryPath(ofImagePath: "/etc/track.yml") == nil)
    }

    @Test("the entrypoint is the binary, so `docker run IMAGE generate …` runs a subcommand")
    func entrypoint() {
        let runtime = deployment.dockerfile.runtimeStage
        #expect(
            runtime.effective("ENTRYPOINT").flatMap { Dockerfile.execForm($0.arguments) } == [
                "/usr/local/bin/trackstream"
            ]
        )
        #expect(deployment.imageCommand == ["run", "--metrics-listen", "0.0.0.0:9464"])
    }

    @Test(".dockerignore keeps build output, dependencies and git out, and the sources in")
    func dockerignore() {
        #expect(deployment.dockerignoreProblems() == [])
    }

    @Test("the parser joins continuations, skips comments, substitutes global ARGs and resolves COPY")
    func parser() throws {
        let text = """
            # syntax=docker/dockerfile:1
            ARG BASE=ubuntu:24.04
            FROM swift:6.1-noble AS build
            RUN apt-get update \\
                # a comment inside a continuation
                && apt-get -q install -y --no-install-recommends a-dev b \\
                && echo done
            FROM ${BASE}
            WORKDIR /srv
            WORKDIR app
            COPY --from=build /out/tool /usr/bin/tool
            COPY conf ./conf
            """
        let dockerfile = try Dockerfile(text: text)
        #expect(dockerfile.stages.map(\.image) == ["swift:6.1-noble", "ubuntu:24.04"])
        #expect(dockerfile.buildStage.name == "build")
        #expect(dockerfile.buildStage.aptPackages == ["a-dev", "b"])
        #expect(dockerfile.runtimeStage.workdir == "/srv/app")
        #expect(
            dockerfile.runtimeStage.copies == [
                DockerCopy(fromStage: "build", sources: ["/out/tool"], destination: "/usr/bin/tool"),
                DockerCopy(fromStage: nil, sources: ["conf"], destination: "/srv/app/conf"),
            ]
        )
    }
}
