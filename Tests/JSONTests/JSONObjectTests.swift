import Testing
@testable import JSON

@Suite struct JSONObjectTests {
    @Test func subscriptSetGetRemove() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = "x"
        object["b"] = 10
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == 10)
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object.removeValue(forKey: "b") == 10)
        #expect(object.removeValue(forKey: "zzz") == nil)
        #expect(object.keys == ["c"])
        #expect(object.contains(key: "c"))
        #expect(!object.contains(key: "b"))
        object.removeAll()
        #expect(object.isEmpty)
    }

    @Test func updateValueReturnsOld() {
        var object = JSONObject()
        #expect(object.updateValue(1, forKey: "k") == nil)
        #expect(object.updateValue(2, forKey: "k") == 1)
        #expect(object.count == 1)
    }

    @Test func indexStaysConsistentAcrossGrowthAndRemoval() {
        var object = JSONObject()
        for n in 0..<50 { object["k\(n)"] = .int(Int64(n)) }
        for n in stride(from: 0, to: 50, by: 3) { object["k\(n)"] = nil }
        for n in 0..<50 {
            #expect(object["k\(n)"] == (n % 3 == 0 ? nil : .int(Int64(n))))
        }
        #expect(object.keys == (0..<50).filter { $0 % 3 != 0 }.map { "k\($0)" })
        while object.count > 2 { object.removeValue(forKey: object.keys[0]) }
        #expect(object.keys == ["k47", "k49"])
        #expect(object["k49"] == 49)
        #expect(object.position(of: "k49") == 1)
    }

    @Test func equalityAndHashIgnoreOrder() {
        let a: JSONObject = ["x": 1, "y": [true, nil]]
        let b: JSONObject = ["y": [true, nil], "x": 1]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != ["x": 1, "y": [true]])
        #expect(a != ["x": 1])
        #expect(a != ["x": 1, "z": [true, nil]])
        #expect(Set<JSONValue>([.object(a), .object(b)]).count == 1)
    }

    @Test func intAndDoubleAreDistinct() {
        #expect(JSONValue.int(1) != JSONValue.double(1))
    }

    @Test func collectionConformance() {
        let object: JSONObject = ["a": 1, "b": 2]
        #expect(object.map(\.key) == ["a", "b"])
        #expect(object[1].value == 2)
        #expect(object.values == [1, 2])
        #expect(object.description == #"{"a":1,"b":2}"#)
    }

    @Test func literalsAndAccessors() {
        let value: JSONValue = ["s": "x", "i": 1, "d": 1.5, "b": true, "n": nil, "a": [1, "two"], "o": ["k": "v"]]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["i"]?.intValue == 1)
        #expect(value["d"]?.doubleValue == 1.5)
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["a"]?.arrayValue?.count == 2)
        #expect(value["o"]?.objectValue?["k"] == "v")
        #expect(value["s"]?.intValue == nil)
        #expect(value["s"]?.boolValue == nil)
        #expect(value["s"]?.objectValue == nil)
        #expect(value["s"]?.arrayValue == nil)
        #expect(value[0] == nil)
        #expect(JSONValue.array([1])["k"] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value.typeName == "object")
        #expect(value["a"]?.typeName == "array")
        #expect(value["d"]?.typeName == "number")
        #expect(value["n"]?.typeName == "null")
        #expect(value["b"]?.typeName == "boolean")
        #expect(value["s"]?.typeName == "string")
        #expect("\(value)" == value.jsonString)
    }
}
