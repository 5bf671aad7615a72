namespace CartoCreds.Core

open System

/// The file primitives of this platform: Linux's system calls where they are there, the managed
/// APIs elsewhere. A call that turns out to be missing (no such library or entry point) is done
/// the managed way, and every later one too.
module internal FileSystems =

    let private guarded (linux: 'T -> 'R) (portable: 'T -> 'R) (input: 'T) : 'R =
        if Native.available then
            try
                linux input
            with
            | :? EntryPointNotFoundException
            | :? DllNotFoundException ->
                Native.available <- false
                portable input
        else
            portable input

    let private linux = LinuxFiles.system
    let private portable = PortableFiles.system

    let current: FileSystem =
        { Read =
            fun limit follow path ->
                guarded (fun () -> linux.Read limit follow path) (fun () -> portable.Read limit follow path) ()
          DirectoryTrust = fun follow dir -> guarded (linux.DirectoryTrust follow) (portable.DirectoryTrust follow) dir
          DirectoryExposure = guarded linux.DirectoryExposure portable.DirectoryExposure
          Lock = fun path wait -> guarded (fun () -> linux.Lock path wait) (fun () -> portable.Lock path wait) ()
          KindAt = guarded linux.KindAt portable.KindAt
          SyncDirectory = guarded linux.SyncDirectory portable.SyncDirectory }
