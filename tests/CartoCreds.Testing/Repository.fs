/// Where the tests run from: the checkout they were built in, and what `build.fsx` publishes there.
module CartoCreds.Testing.Repository

open System
open System.IO

/// The checkout these tests were built from, when they run inside one.
let root: string option =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then
            None
        elif File.Exists(Path.Combine(dir.FullName, "CartoCreds.Functional.sln")) then
            Some dir.FullName
        else
            up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)
