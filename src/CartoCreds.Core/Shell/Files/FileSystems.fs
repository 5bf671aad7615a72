namespace CartoCreds.Core

open System

/// The file primitives of this platform: Windows', else Linux's system calls where they are
/// there, else a Unix's managed APIs. A call that turns out to be missing (no such library or
/// entry point) is done the managed way, and every later one too. The one place that asks which
/// system this is.
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

    /// Reads and locks are on every load and save: written out, so that they allocate nothing
    /// more than the implementation's own work. Directories, new files and replaces are the
    /// managed APIs' in both.
    let private unix: FileSystem =
        { Read =
            fun limit follow path ->
                if Native.available then
                    try
                        linux.Read limit follow path
                    with
                    | :? EntryPointNotFoundException
                    | :? DllNotFoundException ->
                        Native.available <- false
                        portable.Read limit follow path
                else
                    portable.Read limit follow path
          ReadPrivate = fun limit path -> guarded (linux.ReadPrivate limit) (portable.ReadPrivate limit) path
          DirectoryTrust = fun follow dir -> guarded (linux.DirectoryTrust follow) (portable.DirectoryTrust follow) dir
          DirectoryExposure = guarded linux.DirectoryExposure portable.DirectoryExposure
          Lock =
            fun path wait ->
                if Native.available then
                    try
                        linux.Lock path wait
                    with
                    | :? EntryPointNotFoundException
                    | :? DllNotFoundException ->
                        Native.available <- false
                        portable.Lock path wait
                else
                    portable.Lock path wait
          KindAt = guarded linux.KindAt portable.KindAt
          SyncDirectory = guarded linux.SyncDirectory portable.SyncDirectory
          CreateDirectory = linux.CreateDirectory
          WriteNew = linux.WriteNew
          Replace = linux.Replace }

    let current: FileSystem = if OperatingSystem.IsWindows() then WindowsFiles.system else unix
