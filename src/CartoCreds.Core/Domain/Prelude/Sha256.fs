namespace CartoCreds.Core

open System
open System.Buffers.Binary

/// SHA-256 (FIPS 180-4): the token cache's file name and its salted hash of the client secret
/// (SPEC §7.4), and the PKCE challenge of a login (§7.5). The platform's SHA-256 loads OpenSSL on
/// Linux, which doubled the start of `cartocreds cloud token` from the cache for a few hashes of a
/// few dozen bytes; this one costs nothing to load. It has no branch on the data it hashes, and a
/// test holds it to the platform's on thousands of inputs.
[<RequireQualifiedAccess>]
module Sha256 =

    let private k =
        [| 0x428a2f98u
           0x71374491u
           0xb5c0fbcfu
           0xe9b5dba5u
           0x3956c25bu
           0x59f111f1u
           0x923f82a4u
           0xab1c5ed5u
           0xd807aa98u
           0x12835b01u
           0x243185beu
           0x550c7dc3u
           0x72be5d74u
           0x80deb1feu
           0x9bdc06a7u
           0xc19bf174u
           0xe49b69c1u
           0xefbe4786u
           0x0fc19dc6u
           0x240ca1ccu
           0x2de92c6fu
           0x4a7484aau
           0x5cb0a9dcu
           0x76f988dau
           0x983e5152u
           0xa831c66du
           0xb00327c8u
           0xbf597fc7u
           0xc6e00bf3u
           0xd5a79147u
           0x06ca6351u
           0x14292967u
           0x27b70a85u
           0x2e1b2138u
           0x4d2c6dfcu
           0x53380d13u
           0x650a7354u
           0x766a0abbu
           0x81c2c92eu
           0x92722c85u
           0xa2bfe8a1u
           0xa81a664bu
           0xc24b8b70u
           0xc76c51a3u
           0xd192e819u
           0xd6990624u
           0xf40e3585u
           0x106aa070u
           0x19a4c116u
           0x1e376c08u
           0x2748774cu
           0x34b0bcb5u
           0x391c0cb3u
           0x4ed8aa4au
           0x5b9cca4fu
           0x682e6ff3u
           0x748f82eeu
           0x78a5636fu
           0x84c87814u
           0x8cc70208u
           0x90befffau
           0xa4506cebu
           0xbef9a3f7u
           0xc67178f2u |]

    let inline private rotr (x: uint32) (n: int) = (x >>> n) ||| (x <<< (32 - n))

    /// The 32-byte digest of `data`.
    let hash (data: byte[]) : byte[] =
        // The message, a 1 bit, zeros, and its length in bits: a whole number of 64-byte blocks.
        let blocks = (data.Length + 9 + 63) / 64
        let message = Array.zeroCreate<byte>(blocks * 64)
        Array.blit data 0 message 0 data.Length
        message[data.Length] <- 0x80uy
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(message.Length - 8), uint64 data.Length * 8UL)

        let h =
            [| 0x6a09e667u
               0xbb67ae85u
               0x3c6ef372u
               0xa54ff53au
               0x510e527fu
               0x9b05688cu
               0x1f83d9abu
               0x5be0cd19u |]

        let w = Array.zeroCreate<uint32> 64

        for block in 0 .. blocks - 1 do
            for t in 0..15 do
                w[t] <- BinaryPrimitives.ReadUInt32BigEndian(ReadOnlySpan(message, block * 64 + t * 4, 4))

            for t in 16..63 do
                let s0 = rotr w[t - 15] 7 ^^^ rotr w[t - 15] 18 ^^^ (w[t - 15] >>> 3)
                let s1 = rotr w[t - 2] 17 ^^^ rotr w[t - 2] 19 ^^^ (w[t - 2] >>> 10)
                w[t] <- w[t - 16] + s0 + w[t - 7] + s1

            let mutable a = h[0]
            let mutable b = h[1]
            let mutable c = h[2]
            let mutable d = h[3]
            let mutable e = h[4]
            let mutable f = h[5]
            let mutable g = h[6]
            let mutable hh = h[7]

            for t in 0..63 do
                let t1 = hh + (rotr e 6 ^^^ rotr e 11 ^^^ rotr e 25) + ((e &&& f) ^^^ (~~~e &&& g)) + k[t] + w[t]

                let t2 = (rotr a 2 ^^^ rotr a 13 ^^^ rotr a 22) + ((a &&& b) ^^^ (a &&& c) ^^^ (b &&& c))
                hh <- g
                g <- f
                f <- e
                e <- d + t1
                d <- c
                c <- b
                b <- a
                a <- t1 + t2

            h[0] <- h[0] + a
            h[1] <- h[1] + b
            h[2] <- h[2] + c
            h[3] <- h[3] + d
            h[4] <- h[4] + e
            h[5] <- h[5] + f
            h[6] <- h[6] + g
            h[7] <- h[7] + hh

        let digest = Array.zeroCreate<byte> 32

        for i in 0..7 do
            BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(i * 4), h[i])

        digest
