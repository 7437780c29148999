import ArgumentParser

/// `swarmd`: the swarm hub.
@main
struct Swarmd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarmd",
        abstract: "The swarm hub: tickets and their swarms, live over WebSocket, on a durable event log.",
        discussion: """
            Start a hub on an embedded SQLite file (a first admin token is printed when the database has none):
              swarmd serve --db ./data/swarm.sqlite
            Create a token for an agent (the token is the last line of output):
              swarmd token create --name alice --role agent
            Back the database up while the hub runs, and check a database or a backup:
              swarmd backup --db ./data/swarm.sqlite /backup/swarm-$(date +%F).sqlite
              swarmd check --db /backup/swarm-2026-12-03.sqlite
            Keep the log in PostgreSQL instead, for several hubs on one database (docs/operations.md):
              swarmd serve --postgres postgres://swarm@db.example:5432/swarm
              swarmd migrate --from ./data/swarm.sqlite --to postgres://swarm@db.example:5432/swarm
            """,
        subcommands: [
            Serve.self, TokenCommand.self, Import.self, Simulate.self, Migrate.self, Backup.self, Check.self,
        ]
    )
}
