import ArgumentParser
import BatonApp
import Foundation

@main
struct Baton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "A CRM for technical-services firms: from the order to the delivered work.",
        discussion: "Configuration comes from environment variables; see docs/configuration.md.",
        subcommands: [Serve.self, Migrate.self, Demo.self, Import.self, Export.self, Report.self, User.self, BackupCommand.self,
                      RestoreCommand.self, Agreements.self, BenchJSON.self])
}

func loadConfiguration() throws -> AppConfiguration {
    do {
        return try AppConfiguration.fromEnvironment()
    } catch {
        throw ValidationError(String(describing: error))
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Migrate the database and serve the API and web pages (embedded PostgreSQL unless DATABASE_URL is set).")

    func run() async throws {
        try await serve(try loadConfiguration())
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")

    @Flag(help: "List pending migrations without applying them; exit 1 when there are any.")
    var dryRun = false

    func run() async throws {
        let configuration = try loadConfiguration()
        let tasks = AdminTasks(configuration: configuration, logger: makeLogger(configuration))
        let files = try await tasks.migrate(dryRun: dryRun)
        if dryRun {
            if files.isEmpty {
                print("The database is current.")
            } else {
                print("Pending migrations:")
                files.forEach { print("  \($0)") }
                throw ExitCode(1)
            }
        } else {
            print(files.isEmpty ? "The database is current." : "Applied \(files.joined(separator: ", ")).")
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load the demo firm into an empty database.")

    func run() async throws {
        let configuration = try loadConfiguration()
        let tasks = AdminTasks(configuration: configuration, logger: makeLogger(configuration))
        if try await tasks.loadDemo() {
            print("Loaded the demo firm. Sign in as admin@demo.test with the password baton-demo.")
        } else {
            print("The database already has people in it; the demo firm was not loaded.")
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a CSV file of accounts, contacts or opportunities (Baton, Salesforce or HubSpot columns), or agreements, sites or travel times.",
        discussion: "A real import is all or nothing: with any problem, nothing is stored and every problem is listed.")

    @Argument(help: "accounts, contacts, opportunities, agreements, sites or travel-times") var kind: String
    @Argument(help: "The CSV file.") var file: String
    @Flag(help: "Check the file and list its problems without storing anything.") var dryRun = false
    @Option(name: .customLong("as"), help: "The email of the person importing (default: the first admin).") var person: String?
    @Option(help: "A JSON file mapping values Baton does not know, e.g. {\"Type\": {\"Partner Deal\": \"new_business\"}}.")
    var mapping: String?

    func run() async throws {
        let configuration = try loadConfiguration()
        let tasks = AdminTasks(configuration: configuration, logger: makeLogger(configuration))
        let (report, failed) = try await tasks.importFile(kind: kind, path: file, mappingPath: mapping, dryRun: dryRun, as: person)
        print(report)
        if failed || (dryRun && report.contains("  line ")) { throw ExitCode(1) }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write accounts, contacts or opportunities as CSV, in the import's columns.")

    @Argument(help: "accounts, contacts or opportunities") var kind: String
    @Option(name: .customLong("as"), help: "The email of the person exporting (default: the first admin).") var person: String?
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let configuration = try loadConfiguration()
        let csv = try await AdminTasks(configuration: configuration, logger: makeLogger(configuration)).export(kind: kind, as: person)
        if let output {
            try csv.write(toFile: output, atomically: true, encoding: .utf8)
        } else {
            print(csv, terminator: "")
        }
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write the whole database to FILE (pg_dump's custom format).")

    @Argument(help: "The backup file to write.") var file: String

    func run() async throws {
        let configuration = try loadConfiguration()
        try await AdminTasks(configuration: configuration, logger: makeLogger(configuration)).backup(to: file)
        print("Wrote \(file).")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Make the database what FILE holds (a backup from baton backup).",
        discussion: """
            Stop baton serve first. The backup is restored into a new database in one transaction and swapped in only \
            when complete; the database it replaces is kept under another name, printed here, until you drop it.
            """)

    @Argument(help: "The backup file to restore.") var file: String

    func run() async throws {
        let configuration = try loadConfiguration()
        let kept = try await AdminTasks(configuration: configuration, logger: makeLogger(configuration)).restore(from: file)
        print("Restored \(file). The database as it was before is kept as \(kept); drop it when you no longer need it.")
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a report as a table: attainment, forecast or growth (the API's figures).")

    @Argument(help: "attainment, forecast or growth") var kind: String
    @Option(help: "Period key: 2026, 2026-Q1 or 2026-03 (default: this quarter).") var period: String?
    @Option(help: "For attainment: new_business, expansion, total_bookings or completed_work.") var metric: String?
    @Option(help: "For growth: the horizon in weeks.") var weeks = 12
    @Option(name: .customLong("as"), help: "Whose line (an email; default: the first admin, everyone).") var person: String?

    func run() async throws {
        let configuration = try loadConfiguration()
        print(try await AdminTasks(configuration: configuration, logger: makeLogger(configuration))
            .report(kind, period: period, metric: metric, weeks: weeks, as: person))
    }
}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage people who sign in.", subcommands: [Add.self, SetPassword.self, Token.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a person.")
        @Option(help: "Email, used to sign in.") var email: String
        @Option(help: "Full name.") var name: String
        @Option(parsing: .upToNextOption, help: "Roles: admin, manager, account_manager, sales, project_manager, consultant.")
        var roles: [String] = []
        @Option(help: "The email of their manager.") var manager: String?
        @Flag(help: "Read a password from standard input (first line).") var passwordStdin = false

        func run() async throws {
            let configuration = try loadConfiguration()
            let tasks = AdminTasks(configuration: configuration, logger: makeLogger(configuration))
            let password = passwordStdin ? readLine(strippingNewline: true) : nil
            let id = try await tasks.addUser(email: email, name: name, roles: roles, managerEmail: manager, password: password)
            print("Added \(email) as person \(id).")
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a person's password, read from standard input.")
        @Argument(help: "The person's email.") var email: String

        func run() async throws {
            let configuration = try loadConfiguration()
            guard let password = readLine(strippingNewline: true) else { throw ValidationError("Give the password on standard input.") }
            try await AdminTasks(configuration: configuration, logger: makeLogger(configuration)).setPassword(email: email, password: password)
            print("Password set for \(email); their other sessions were signed out.")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a personal API token for a person; it is shown once.")
        @Argument(help: "The person's email.") var email: String
        @Option(help: "What the token is for.") var name = "command line"

        func run() async throws {
            let configuration = try loadConfiguration()
            print(try await AdminTasks(configuration: configuration, logger: makeLogger(configuration)).createToken(email: email, name: name))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List everyone.")

        func run() async throws {
            let configuration = try loadConfiguration()
            for p in try await AdminTasks(configuration: configuration, logger: makeLogger(configuration)).listUsers() {
                print([String(p.id), p.email, p.name, p.roles.joined(separator: ","), p.manager ?? "-", p.active ? "active" : "inactive"]
                    .joined(separator: "\t"))
            }
        }
    }
}

struct Agreements: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Recurring agreements.", subcommands: [Renew.self])

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the renewal round once: open the renewal opportunity of every agreement ending within the lead.",
            discussion: "Every baton serve runs it on a timer (RENEWAL_ROUND_MINUTES); each term gets one renewal however often it runs.")
        @Option(help: "Days before the end (default: the firm's renewal lead, 90 unless set).") var leadDays: Int?

        func run() async throws {
            let configuration = try loadConfiguration()
            print(try await AdminTasks(configuration: configuration, logger: makeLogger(configuration)).renewAgreements(leadDays: leadDays))
        }
    }
}

/// Hidden: JSON encoding old against new, for docs/performance.md (bench/json-alloc/run.sh).
struct BenchJSON: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-json", shouldDisplay: false)

    @Option(help: "Encodings of the page per side (the single record gets ten times as many).")
    var iterations = 2000

    func run() throws { print(try JSONBufferBenchmark.run(iterations: iterations)) }
}
