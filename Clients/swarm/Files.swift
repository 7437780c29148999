import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

/// `swarm attach T-42 FILE`: a file onto a ticket.
struct Attach: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Attach a file to a ticket: a log, a screenshot, a capture.",
        discussion: """
            Uploads FILE (POST /v1/tickets/ID/attachments), streamed: a file is never read into memory \
            whole. Staff's files are internal — the swarm's, never shown to the requester — unless \
            --public; a requester's are always public. The hub names the type by the bytes, not by the \
            file's extension, and keeps the name without its folders. A file over the hub's limit \
            (25 MiB unless its operator chose another) is refused with the limit.

            Examples:
              swarm attach T-42 /var/log/backup.log
              swarm attach T-42 screenshot.png --public
              swarm attach 42 capture.pcap --name vpn-drop.pcap --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The ticket id (T-42, or just 42).")
    var ticket: String

    @Argument(help: "The file to attach.")
    var file: String

    @Flag(help: "A file the requester may see too (staff's are internal otherwise).")
    var `public` = false

    @Option(help: ArgumentHelp("The name to attach it under (its own name otherwise).", valueName: "name"))
    var name: String?

    func validate() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
            throw ValidationError("no file \(file)")
        }
        guard !isFolder.boolValue else { throw ValidationError("\(file) is a folder; attach its files one by one") }
        if let name, name.isEmpty { throw ValidationError("--name needs a name") }
    }

    func run() async throws {
        let rest = RestClient(try global.credentials())
        // The hub's limit, asked first: a file over it is refused here, before a byte is sent.
        let size = Int((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0)
        let limit = try await rest.limits().attachmentMaxFile
        if size > limit {
            throw ClientError(
                .tooLarge, "\(file) has \(size) bytes, \(size - limit) over the hub's limit of \(limit) bytes per file")
        }
        let answer = try await rest.attach(
            file, to: ticketID(ticket), name: name, visibility: self.public ? .public : nil)
        if global.json {
            try sayJSON(answer)
            return
        }
        let file = answer.attachment
        say(
            "attached \(file.name) to \(ticketID(ticket)) as \(file.id) (\(file.mediaType), "
                + "\(ByteSize.describe(file.size)), \(file.visibility.rawValue))"
                + "  " + global.style.paint("seq \(answer.seq)", .dim))
    }
}

/// `swarm download A-7`: a file's bytes, to a file or standard output.
struct Download: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Download an attachment.",
        discussion: """
            Reads GET /v1/attachments/ID, streamed, into the file -o names, or into a file of the \
            attachment's own name in the current folder; '-o -' writes to standard output. An existing \
            file is not overwritten unless --force. 'swarm show T-42' lists a ticket's attachments.

            Examples:
              swarm download A-7
              swarm download A-7 -o /tmp/backup.log --force
              swarm download A-7 -o - | less
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The attachment's id (A-7, or just 7).")
    var attachment: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write it; '-' for standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Overwrite the file if it exists.")
    var force = false

    func run() async throws {
        let id = attachment.hasPrefix("A-") ? attachment : "A-\(attachment)"
        let rest = RestClient(try global.credentials())
        if output == "-" {
            _ = try await rest.download(id, to: FileHandle.standardOutput)
            return
        }
        // Into a file beside the destination first, renamed once whole: a download cut off leaves no
        // half file under the name.
        let folder = output.map { URL(fileURLWithPath: $0).deletingLastPathComponent() } ?? URL(fileURLWithPath: ".")
        let partial = folder.appendingPathComponent(".swarm-download-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: partial.path)
        else {
            throw ClientError.usage("cannot write in \(folder.path)")
        }
        let result: (name: String?, bytes: Int64)
        do {
            result = try await rest.download(id, to: handle)
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        let destination = output ?? folder.appendingPathComponent(result.name ?? id).path
        if FileManager.default.fileExists(atPath: destination) {
            guard force else {
                try? FileManager.default.removeItem(at: partial)
                throw ClientError.usage("\(destination) exists; --force overwrites it, -o writes elsewhere")
            }
            try? FileManager.default.removeItem(atPath: destination)
        }
        do {
            try FileManager.default.moveItem(at: partial, to: URL(fileURLWithPath: destination))
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw ClientError.usage("cannot write \(destination): \(error.localizedDescription)")
        }
        if global.json {
            try sayJSON(DownloadResult(attachment: id, file: destination, bytes: result.bytes))
        } else {
            say("wrote \(id) to \(destination) (\(ByteSize.describe(result.bytes)))")
        }
    }

    struct DownloadResult: Encodable {
        var attachment: String
        var file: String
        var bytes: Int64
    }
}
